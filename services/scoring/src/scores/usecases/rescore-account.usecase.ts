import { EntityManager } from 'typeorm';
import { scoring } from '@collections/contracts';
import { Outbox } from '@collections/messaging';
import { Clock, minorUnitDigits } from '@collections/platform';
import { recordScoredFeatures } from '../../monitoring/score-monitoring.repository';
import { StoredCycle, toAccountHistory } from '../domain/account-history';
import { priorityOf } from '../domain/priority';
import { reasonTexts } from '../domain/score-reasons';
import { DEFAULT_SEGMENT_RULES, segmentFor } from '../domain/segment-rules';
import { LiveModels } from '../live-models';
import { ScoresRepository } from '../scores.repository';

const toUnits = (minor: number, currency: string) => minor / 10 ** minorUnitDigits(currency);
const money = (amountMinor: number | undefined, currency: string) =>
  amountMinor === undefined ? undefined : { amountMinor, currency };

/**
 * Scores one account from the feature store, in the transaction of the event that changed what
 * scoring knows about it: the champion's probability, the tenant's segment rules on it and on the
 * balance and days past due, the priority by expected recovery, the challenger's score for accounts
 * in its arm; then AccountScored, and SegmentChanged when the segment moved, through the outbox.
 */
export class RescoreAccountUseCase {
  constructor(
    private readonly clock: Clock,
    private readonly models: LiveModels,
    private readonly repo: ScoresRepository = new ScoresRepository(),
  ) {}

  async execute(tx: EntityManager, outbox: Outbox, tenantId: string, accountId: string): Promise<void> {
    await this.repo.lockAccount(tx, tenantId, accountId);
    const { profile, cycles, payments } = await this.repo.history(tx, tenantId, accountId);
    if (!profile) return; // AccountOpened not seen yet: scored when it arrives
    const currency = profile.currency.trim();
    const history = toAccountHistory(
      toUnits(Number(profile.credit_limit_minor), currency),
      cycles.map((c): StoredCycle => ({
        statementMonth: c.statement_month,
        bill: toUnits(Number(c.bill_minor), currency),
        reportedStatus: c.reported_status,
      })),
      new Map(payments.map((p) => [p.month, toUnits(Number(p.paid_minor), currency)])),
    );
    const standing = await this.repo.standing(tx, tenantId, accountId);
    const balanceMinor = standing?.balance_minor == null ? undefined : Number(standing.balance_minor);
    const balanceCurrency = standing?.currency?.trim() || currency;
    const daysPastDue = standing?.days_past_due ?? 0;
    const rules = (await this.repo.ruleSet(tx, tenantId)) ?? DEFAULT_SEGMENT_RULES;
    const segmentInput = { balanceMinor, currency: balanceCurrency, daysPastDue };

    const champion = this.models.champion;
    const score = champion.model.score(history);
    const decision = segmentFor(rules, { ...segmentInput, probabilityToPay: score.probabilityToPay });
    const { expectedRecoveryMinor, priority } = priorityOf(score.probabilityToPay, balanceMinor, daysPastDue);
    const reasons = reasonTexts(score);

    const arm = this.models.armOf(tenantId, accountId);
    const challenger = arm === 'challenger' ? this.models.challenger : undefined;
    const challengerScore = challenger?.model.score(history);

    const previousSegment = await this.repo.currentSegment(tx, tenantId, accountId);
    const scoredAt = this.clock.now();
    await this.repo.saveScore(tx, {
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
    });
    // the live population of stability monitoring: the champion's features and score only
    await recordScoredFeatures(tx, {
      tenantId,
      accountId,
      modelVersion: champion.version,
      history,
      probabilityToPay: score.probabilityToPay,
      scoredAt,
    });
    const balance = money(balanceMinor, balanceCurrency);
    await outbox.add(tx, {
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
    });
    if (previousSegment !== decision.segment) {
      await outbox.add(tx, {
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
  }
}
