import { DataSource } from 'typeorm';
import { scoring } from '@collections/contracts';
import { AccountHistory, ScoringModelErrorCode, ScoringModelException } from '../../model';
import { priorityOf } from '../domain/priority';
import { reasonTexts } from '../domain/score-reasons';
import { ScoresErrorCode, ScoresException } from '../domain/scores.exception';
import { DEFAULT_SEGMENT_RULES, segmentFor } from '../domain/segment-rules';
import { LiveModels } from '../live-models';
import { ScoresRepository } from '../scores.repository';

const HISTORY_MONTHS = 6;

function invalid(field: string, message: string): ScoresException {
  return new ScoresException(ScoresErrorCode.InvalidScoreRequest, `${field} ${message}`, field);
}

/** The model's view of a row; the model itself refuses NaN and ±Infinity, naming the field. */
function historyOf(row: scoring.FeatureRow): AccountHistory {
  if (row.statements.length > HISTORY_MONTHS) {
    throw invalid('statements', `may hold at most ${HISTORY_MONTHS} statements (the latest first)`);
  }
  return {
    creditLimit: row.creditLimit,
    statements: row.statements.map((s) => ({ bill: s.bill, paid: s.paid, status: s.status })),
  };
}

/**
 * Scores explicit feature rows now (what-if questions, accounts not in the ledger) with the
 * champion or the live version asked for, under the tenant's segment rules. Nothing is stored and
 * no event is published. A row that cannot be scored gets its own error; the others still score.
 */
export class ScoreFeatureRowsUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly models: LiveModels,
    private readonly clock: { now(): Date },
    private readonly repo: ScoresRepository = new ScoresRepository(),
  ) {}

  async execute(
    tenantId: string,
    rows: readonly scoring.FeatureRow[],
    modelVersion: string,
  ): Promise<(scoring.ScoreAccountResponse | ScoresException | ScoringModelException)[]> {
    const live = this.models.byVersion(modelVersion);
    const rules = (await this.repo.ruleSet(this.dataSource.manager, tenantId)) ?? DEFAULT_SEGMENT_RULES;
    const scoredAt = this.clock.now();
    return rows.map((row) => {
      try {
        const history = historyOf(row);
        const daysPastDue = row.daysPastDue;
        if (daysPastDue < 0) throw invalid('days_past_due', 'must be 0 or more');
        const balance = row.balance;
        if (balance && !/^[A-Z]{3}$/.test(balance.currency)) {
          throw invalid('balance.currency', 'must be an ISO 4217 code such as USD');
        }
        const score = live.model.score(history);
        const balanceMinor = balance?.amountMinor;
        const decision = segmentFor(rules, {
          probabilityToPay: score.probabilityToPay,
          balanceMinor,
          currency: balance?.currency ?? '',
          daysPastDue,
        });
        const { expectedRecoveryMinor, priority } = priorityOf(score.probabilityToPay, balanceMinor, daysPastDue);
        return {
          accountId: row.rowId,
          probabilityToPay: score.probabilityToPay,
          segment: decision.segment,
          modelVersion: live.version,
          reasons: reasonTexts(score),
          expectedRecovery:
            balance && expectedRecoveryMinor !== undefined
              ? { amountMinor: expectedRecoveryMinor, currency: balance.currency }
              : undefined,
          priority,
          balance,
          daysPastDue,
          segmentRule: decision.rule,
          imputedFeatures: [...score.imputedFeatures],
          modelArm: live === this.models.champion ? 'champion' : 'challenger',
          challenger: undefined,
          scoredAt,
        };
      } catch (error) {
        if (error instanceof ScoresException) return error;
        if (error instanceof ScoringModelException && error.code === ScoringModelErrorCode.InvalidAccountHistory) {
          return error;
        }
        throw error;
      }
    });
  }
}
