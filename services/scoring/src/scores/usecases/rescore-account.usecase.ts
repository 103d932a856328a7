import { EntityManager } from 'typeorm';
import { EventType, scoring } from '@collections/contracts';
import { NewEvent, Outbox } from '@collections/messaging';
import { Clock, minorUnitDigits } from '@collections/platform';
import { ScoredFeatures, recordScoredFeatures } from '../../monitoring/score-monitoring.repository';
import { StoredCycle, paidByMonth, toAccountHistory } from '../domain/account-history';
import { priorityOf } from '../domain/priority';
import { reasonTexts } from '../domain/score-reasons';
import { DEFAULT_SEGMENT_RULES, SegmentRuleSet, segmentFor } from '../domain/segment-rules';
import { LiveModels } from '../live-models';
import { NewScoreRow, ScoresRepository, ScoringFacts } from '../scores.repository';

/** An opened account's facts: AccountOpened seen. */
type OpenedFacts = ScoringFacts & { profile: NonNullable<ScoringFacts['profile']> };

const toUnits = (minor: number, currency: string) => minor / 10 ** minorUnitDigits(currency);
const money = (amountMinor: number | undefined, currency: string) =>
  amountMinor === undefined ? undefined : { amountMinor, currency };

/**
 * Scores accounts from the feature store, in the transaction of the event that changed what
 * scoring knows about them: the champion's probability, the tenant's segment rules on it and on the
 * balance and days past due, the priority by expected recovery, the challenger's score for accounts
 * in its arm; then AccountScored, and SegmentChanged when the segment moved, through the outbox.
 * One account or a batch of a tenant's accounts, in the same few statements.
 */
export class RescoreAccountUseCase {
  constructor(
    private readonly clock: Clock,
    private readonly models: LiveModels,
    private readonly repo: ScoresRepository = new ScoresRepository(),
  ) {}

  async execute(tx: EntityManager, outbox: Outbox, tenantId: string, accountId: string): Promise<void> {
    await this.executeMany(tx, outbox, tenantId, [accountId]);
  }

  /**
   * Scores these accounts of one tenant (each once, however often named), as `execute` scores
   * each: their facts read in one round trip, their scores, feature vectors and events written in
   * one statement each. An account not opened yet (no AccountOpened seen) is scored when it is.
   */
  async executeMany(tx: EntityManager, outbox: Outbox, tenantId: string, accountIds: readonly string[]): Promise<void> {
    const ids = [...new Set(accountIds)];
    await this.repo.lockAccounts(tx, tenantId, ids);
    const facts = await this.repo.scoringFacts(tx, tenantId, ids);
    if (![...facts.values()].some((f) => f.profile)) return;
    const rules = (await this.repo.ruleSet(tx, tenantId)) ?? DEFAULT_SEGMENT_RULES;
    const scoredAt = this.clock.now();
    const scores: NewScoreRow[] = [];
    const features: ScoredFeatures[] = [];
    const events: NewEvent<EventType>[] = [];
    for (const accountId of ids) {
      const f = facts.get(accountId);
      if (!f?.profile) continue; // AccountOpened not seen yet: scored when it arrives
      const scored = this.score(tenantId, accountId, f as OpenedFacts, rules, scoredAt);
      scores.push(scored.row);
      features.push(scored.features);
      events.push(...scored.events);
    }
    await this.repo.saveScores(tx, scores);
    // the live population of stability monitoring: the champion's features and score only
    await recordScoredFeatures(tx, features);
    await outbox.addMany(tx, events);
  }

  /** One account's score row, feature vector and events, from its facts. */
  private score(
    tenantId: string,
    accountId: string,
    { profile, cycles, payments, standing, segment: previousSegment }: OpenedFacts,
    rules: SegmentRuleSet,
    scoredAt: Date,
  ): { row: NewScoreRow; features: ScoredFeatures; events: NewEvent<EventType>[] } {
    const currency = profile.currency.trim();
    const history = toAccountHistory(
      toUnits(Number(profile.credit_limit_minor), currency),
      cycles.map((c): StoredCycle => ({
        statementMonth: c.statement_month,
        bill: toUnits(Number(c.bill_minor), currency),
        reportedStatus: c.reported_status,
      })),
      new Map(
        [
          ...paidByMonth(
            payments.map((p) => ({
              postedAt: new Date(p.posted_at_ms),
              effectiveDate: p.effective_date,
              paidMinor: Number(p.paid_minor),
            })),
            profile.time_zone,
          ),
        ].map(([month, minor]) => [month, toUnits(minor, currency)]),
      ),
    );
    const balanceMinor = standing?.balance_minor == null ? undefined : Number(standing.balance_minor);
    const balanceCurrency = standing?.currency?.trim() || currency;
    const daysPastDue = standing?.days_past_due ?? 0;
    const segmentInput = { balanceMinor, currency: balanceCurrency, daysPastDue };

    const champion = this.models.champion;
    const score = champion.model.score(history);
    const decision = segmentFor(rules, { ...segmentInput, probabilityToPay: score.probabilityToPay });
    const { expectedRecoveryMinor, priority } = priorityOf(score.probabilityToPay, balanceMinor, daysPastDue);
    const reasons = reasonTexts(score);

    const arm = this.models.armOf(tenantId, accountId);
    const challenger = arm === 'challenger' ? this.models.challenger : undefined;
    const challengerScore = challenger?.model.score(history);

    const row: NewScoreRow = {
      tenant_id: tenantId,
      account_id: accountId,
      probability_to_pay: score.probabilityToPay,
      segment: decision.segment,
      segment_rule: decision.rule,
      model_version: champion.version,
      reasons,
      imputed_features: [...score.imputedFeatures],
      scored_at: scoredAt,
      currency: balanceCurrency,
      balance_minor: balanceMinor ?? null,
      days_past_due: daysPastDue,
      expected_recovery_minor: expectedRecoveryMinor ?? null,
      priority,
      model_arm: arm,
      challenger_model_version: challenger?.version ?? null,
      challenger_probability_to_pay: challengerScore?.probabilityToPay ?? null,
      challenger_segment: challengerScore
        ? segmentFor(rules, { ...segmentInput, probabilityToPay: challengerScore.probabilityToPay }).segment
        : null,
      challenger_reasons: challengerScore ? reasonTexts(challengerScore) : null,
    };
    const features: ScoredFeatures = {
      tenantId,
      accountId,
      modelVersion: champion.version,
      history,
      probabilityToPay: score.probabilityToPay,
      scoredAt,
    };
    const balance = money(balanceMinor, balanceCurrency);
    const events: NewEvent<EventType>[] = [
      {
        type: 'collections.scoring.v1.AccountScored',
        key: accountId,
        tenantId,
        time: scoredAt,
        payload: {
          accountId,
          probabilityToPay: score.probabilityToPay,
          segment: decision.segment,
          modelVersion: champion.version,
          reasons,
          scoredAt,
          expectedRecovery: money(expectedRecoveryMinor, balanceCurrency),
          priority,
          balance,
          daysPastDue,
          segmentRule: decision.rule,
          imputedFeatures: [...score.imputedFeatures],
          modelArm: arm,
        },
      },
    ];
    if (previousSegment !== decision.segment) {
      events.push({
        type: 'collections.scoring.v1.SegmentChanged',
        key: accountId,
        tenantId,
        time: scoredAt,
        payload: {
          accountId,
          previousSegment: previousSegment ?? scoring.Segment.SEGMENT_UNSPECIFIED,
          segment: decision.segment,
          segmentRule: decision.rule,
          probabilityToPay: score.probabilityToPay,
          balance,
          daysPastDue,
          modelVersion: champion.version,
          changedAt: scoredAt,
        },
      });
    }
    return { row, features, events };
  }
}
