import { DataSource } from 'typeorm';
import { scoring } from '@collections/contracts';
import { Outbox } from '@collections/messaging';
import { Clock, TENANT_CONFIGURATION_ROLES, currentPrincipal, requireRole } from '@collections/platform';
import {
  DEFAULT_SEGMENT_RULES,
  SegmentRuleInput,
  SegmentRuleSet,
  segmentFor,
  validateSegmentRules,
} from '../domain/segment-rules';
import { ScoresRepository } from '../scores.repository';

/** Accounts re-segmented per transaction: short transactions, few advisory locks held at once. */
const RESEGMENT_PAGE = 200;

/**
 * A tenant's segment rules: the platform default until the tenant sets its own. A new rule set is
 * validated whole (ordered rules, first match wins, a default segment), stored, and applied at once
 * to every scored account of the tenant: the segment depends only on stored values (the champion's
 * probability, balance, days past due), so no model runs. An account that moves gets a
 * SegmentChanged; its AccountScored stays the one of its last score.
 */
export class SegmentRulesUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly outbox: Outbox,
    private readonly repo: ScoresRepository = new ScoresRepository(),
    private readonly pageSize = RESEGMENT_PAGE,
  ) {}

  async get(tenantId: string): Promise<SegmentRuleSet> {
    return (await this.repo.ruleSet(this.dataSource.manager, tenantId)) ?? DEFAULT_SEGMENT_RULES;
  }

  async set(
    tenantId: string,
    rules: readonly SegmentRuleInput[],
    defaultSegment: number,
  ): Promise<{ rules: SegmentRuleSet; resegmented: number }> {
    requireRole(currentPrincipal(), TENANT_CONFIGURATION_ROLES, "changing the tenant's segment rules");
    const valid = validateSegmentRules(rules, defaultSegment, 0);
    const version = await this.repo.saveRuleSet(this.dataSource.manager, tenantId, valid, this.clock.now());
    return { rules: { ...valid, version }, resegmented: await this.resegment(tenantId) };
  }

  /** Pages through the tenant's scores; each page reads the rules again, so a later change wins. */
  private async resegment(tenantId: string): Promise<number> {
    let moved = 0;
    let after = '';
    for (;;) {
      const ids = await this.repo.scoredAccountIds(this.dataSource.manager, tenantId, after, this.pageSize);
      if (ids.length === 0) return moved;
      after = ids[ids.length - 1];
      moved += await this.dataSource.transaction(async (tx) => {
        const rules = (await this.repo.ruleSet(tx, tenantId)) ?? DEFAULT_SEGMENT_RULES;
        const changedAt = this.clock.now();
        let movedHere = 0;
        for (const accountId of ids) {
          // the same lock as a rescore: the row read below is the latest, and no rescore interleaves
          await this.repo.lockAccount(tx, tenantId, accountId);
          const row = await this.repo.score(tx, tenantId, accountId);
          if (!row) continue;
          const input = {
            balanceMinor: row.balance_minor === null ? undefined : Number(row.balance_minor),
            currency: row.currency?.trim() ?? '',
            daysPastDue: row.days_past_due,
          };
          const decision = segmentFor(rules, { ...input, probabilityToPay: row.probability_to_pay });
          const challengerSegment =
            row.challenger_probability_to_pay === null
              ? null
              : segmentFor(rules, { ...input, probabilityToPay: row.challenger_probability_to_pay }).segment;
          if (
            decision.segment === row.segment &&
            decision.rule === row.segment_rule &&
            challengerSegment === row.challenger_segment
          ) {
            continue;
          }
          await this.repo.saveSegments(tx, tenantId, accountId, {
            segment: decision.segment,
            segmentRule: decision.rule,
            challengerSegment,
          });
          if (decision.segment === row.segment) continue;
          movedHere++;
          await this.outbox.add(tx, {
            type: 'collections.scoring.v1.SegmentChanged',
            key: accountId,
            tenantId,
            time: changedAt,
            payload: {
              accountId,
              previousSegment: row.segment as scoring.Segment,
              segment: decision.segment,
              segmentRule: decision.rule,
              probabilityToPay: row.probability_to_pay,
              balance:
                input.balanceMinor === undefined
                  ? undefined
                  : { amountMinor: input.balanceMinor, currency: input.currency },
              daysPastDue: row.days_past_due,
              modelVersion: row.model_version,
              changedAt,
            },
          });
        }
        return movedHere;
      });
    }
  }
}
