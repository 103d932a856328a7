import { Injectable } from '@nestjs/common';
import { orchestrator } from '@collections/contracts';
import { AppError, currentTenantId } from '@collections/platform';
import { StrategyFormat } from './domain';
import { StrategyVersionRow } from './strategy.repository';
import { StrategiesUseCase } from './usecases/strategies.usecase';

type StrategyRpcs = Pick<
  orchestrator.OrchestratorServiceController,
  'putStrategy' | 'getStrategy' | 'listStrategyVersions' | 'getStrategyArms'
>;

/** The strategy RPCs: translate proto to use case and back. The gRPC controller and REST twin both call here. */
@Injectable()
export class StrategiesRpc implements StrategyRpcs {
  constructor(private readonly strategies: StrategiesUseCase) {}

  async putStrategy(request: orchestrator.PutStrategyRequest): Promise<orchestrator.PutStrategyResponse> {
    const row = await this.strategies.put(
      currentTenantId(),
      request.strategyId,
      request.document,
      formatOf(request.format),
    );
    return { strategy: mapStrategyVersion(row) };
  }

  async getStrategy(request: orchestrator.GetStrategyRequest): Promise<orchestrator.GetStrategyResponse> {
    return {
      strategy: mapStrategyVersion(await this.strategies.get(currentTenantId(), request.strategyId, request.version)),
    };
  }

  async listStrategyVersions(
    request: orchestrator.ListStrategyVersionsRequest,
  ): Promise<orchestrator.ListStrategyVersionsResponse> {
    const rows = await this.strategies.list(currentTenantId(), request.strategyId);
    // Like GetStrategy: a strategy the tenant never put is not found (another tenant's id included).
    if (rows.length === 0) throw AppError.notFound(`strategy ${request.strategyId} not found`);
    return { versions: rows.map(mapStrategyVersion) };
  }

  async getStrategyArms(request: orchestrator.GetStrategyArmsRequest): Promise<orchestrator.GetStrategyArmsResponse> {
    const split = await this.strategies.arms(currentTenantId(), request.strategyId);
    return {
      strategyId: request.strategyId,
      arms: split.arms.map((a) => ({
        armId: a.armId,
        accounts: a.accounts,
        contactsSent: a.contactsSent,
        contactsByChannel: Object.entries(a.byChannel)
          .sort(([x], [y]) => (x < y ? -1 : 1))
          .map(([channel, sent]) => ({ channel: channelCode(channel), sent })),
      })),
      assignments: split.assignments,
    };
  }
}

const CHANNEL_CODES: Readonly<Record<string, orchestrator.Channel>> = {
  call: orchestrator.Channel.CHANNEL_CALL,
  sms: orchestrator.Channel.CHANNEL_SMS,
  whatsapp: orchestrator.Channel.CHANNEL_WHATSAPP,
  email: orchestrator.Channel.CHANNEL_EMAIL,
  letter: orchestrator.Channel.CHANNEL_LETTER,
  visit: orchestrator.Channel.CHANNEL_VISIT,
};
const channelCode = (channel: string) => CHANNEL_CODES[channel] ?? orchestrator.Channel.CHANNEL_UNSPECIFIED;

function formatOf(format: orchestrator.StrategyFormat): StrategyFormat {
  switch (format) {
    case orchestrator.StrategyFormat.STRATEGY_FORMAT_YAML:
      return 'yaml';
    case orchestrator.StrategyFormat.STRATEGY_FORMAT_JSON:
    case orchestrator.StrategyFormat.STRATEGY_FORMAT_UNSPECIFIED:
    case orchestrator.StrategyFormat.UNRECOGNIZED:
      return 'json';
  }
}

export function mapStrategyVersion(row: StrategyVersionRow): orchestrator.StrategyVersion {
  return {
    strategyId: row.strategy_id,
    version: row.version,
    active: row.active,
    document: JSON.stringify(row.document),
    createdAt: row.created_at,
  };
}
