import { DataSource } from 'typeorm';
import { Clock } from '@collections/platform';
import { DEFAULT_SEGMENT_RULES, SegmentRuleInput, SegmentRuleSet, validateSegmentRules } from '../domain/segment-rules';
import { ScoresRepository } from '../scores.repository';

/**
 * A tenant's segment rules: the platform default until the tenant sets its own. A new rule set is
 * validated whole (ordered rules, first match wins, a default segment) and applies from the next
 * score of each account on; scores already stored keep the rule that made them (`segment_rule`).
 */
export class SegmentRulesUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly clock: Clock,
    private readonly repo: ScoresRepository = new ScoresRepository(),
  ) {}

  async get(tenantId: string): Promise<SegmentRuleSet> {
    return (await this.repo.ruleSet(this.dataSource.manager, tenantId)) ?? DEFAULT_SEGMENT_RULES;
  }

  async set(tenantId: string, rules: readonly SegmentRuleInput[], defaultSegment: number): Promise<SegmentRuleSet> {
    const valid = validateSegmentRules(rules, defaultSegment, 0);
    const version = await this.repo.saveRuleSet(this.dataSource.manager, tenantId, valid, this.clock.now());
    return { ...valid, version };
  }
}
