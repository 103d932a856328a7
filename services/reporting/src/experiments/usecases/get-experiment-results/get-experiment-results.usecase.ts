import { KpisRepository } from '../../../kpis/kpis.repository';
import { tenantCurrency } from '../../../kpis/usecases/tenant-currency';
import { ExperimentResult, experimentResult } from '../../domain/experiment-results';
import { ExperimentsRepository } from '../../experiments.repository';
import { GetExperimentResultsCommand } from './get-experiment-results.command';

export interface ExperimentResults extends ExperimentResult {
  experiment: string;
  fromDate: string;
  toDate: string;
  currency: string;
}

/** Reads both arms' cohorts and compares their recovery (see ../../domain/experiment-results.ts). */
export class GetExperimentResultsUseCase {
  constructor(
    private readonly repo: ExperimentsRepository,
    private readonly kpis: KpisRepository,
  ) {}

  async execute(cmd: GetExperimentResultsCommand): Promise<ExperimentResults> {
    const currency = await tenantCurrency(this.kpis, cmd.tenantId, cmd.currency);
    const arms = await this.repo.armAccounts({
      tenantId: cmd.tenantId,
      experiment: cmd.experiment,
      arms: [cmd.championArm, cmd.challengerArm],
      currency,
      from: cmd.fromDate,
      to: cmd.toDate,
    });
    return {
      experiment: cmd.experiment,
      fromDate: cmd.fromDate,
      toDate: cmd.toDate,
      currency,
      ...experimentResult(cmd.championArm, arms.get(cmd.championArm)!, cmd.challengerArm, arms.get(cmd.challengerArm)!),
    };
  }
}
