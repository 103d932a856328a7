import { DataSource } from 'typeorm';
import { StrategyDocument } from './domain';

export interface StrategyVersionRow {
  strategy_id: string;
  version: number;
  document: StrategyDocument;
  created_at: Date;
  /** Highest version of its strategy. */
  active: boolean;
}

export interface ArmSplit {
  arms: { armId: string; accounts: number; contactsSent: number; byChannel: Record<string, number> }[];
  assignments: { accountId: string; armId: string }[];
}

const SELECT = `SELECT strategy_id, version, document, created_at,
  version = max(version) OVER (PARTITION BY tenant_id, strategy_id) AS active
  FROM strategy_version WHERE tenant_id = $1 AND strategy_id = $2`;

/** Queries only; what a version means is the domain's business. */
export class StrategyRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Appends version n+1; concurrent puts of one strategy queue on an advisory lock. */
  async append(tenantId: string, strategyId: string, document: StrategyDocument): Promise<StrategyVersionRow> {
    return this.dataSource.transaction(async (m) => {
      await m.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || '/' || $2, 0))`, [tenantId, strategyId]);
      const [row] = (await m.query(
        `INSERT INTO strategy_version (tenant_id, strategy_id, version, document)
         SELECT $1, $2, coalesce(max(version), 0) + 1, $3::jsonb
           FROM strategy_version WHERE tenant_id = $1 AND strategy_id = $2
         RETURNING strategy_id, version, document, created_at, true AS active`,
        [tenantId, strategyId, JSON.stringify(document)],
      )) as StrategyVersionRow[];
      return row;
    });
  }

  async find(tenantId: string, strategyId: string, version: number | 'active'): Promise<StrategyVersionRow | null> {
    const rows = (await this.dataSource.query(
      `SELECT * FROM (${SELECT}) v WHERE ${version === 'active' ? 'active' : 'version = $3'}`,
      version === 'active' ? [tenantId, strategyId] : [tenantId, strategyId, version],
    )) as StrategyVersionRow[];
    return rows[0] ?? null;
  }

  async list(tenantId: string, strategyId: string): Promise<StrategyVersionRow[]> {
    return (await this.dataSource.query(`${SELECT} ORDER BY version DESC`, [
      tenantId,
      strategyId,
    ])) as StrategyVersionRow[];
  }

  /** Accounts in each arm now (the planner's read model) and contacts sent under each arm. */
  async armSplit(tenantId: string, strategyId: string): Promise<ArmSplit> {
    const [assignments, sent] = await Promise.all([
      this.dataSource.query(
        `SELECT account_id, arm_id FROM planner_account
          WHERE tenant_id = $1 AND strategy_id = $2 AND arm_id IS NOT NULL ORDER BY account_id`,
        [tenantId, strategyId],
      ) as Promise<{ account_id: string; arm_id: string }[]>,
      this.dataSource.query(
        `SELECT arm_id, channel, count(*)::int AS n FROM contact_schedule
          WHERE tenant_id = $1 AND strategy_id = $2 AND status = 'sent' GROUP BY arm_id, channel`,
        [tenantId, strategyId],
      ) as Promise<{ arm_id: string; channel: string; n: number }[]>,
    ]);
    const arms = new Map<string, ArmSplit['arms'][number]>();
    const arm = (armId: string) => {
      let a = arms.get(armId);
      if (!a) arms.set(armId, (a = { armId, accounts: 0, contactsSent: 0, byChannel: {} }));
      return a;
    };
    for (const r of assignments) arm(r.arm_id).accounts += 1;
    for (const r of sent) {
      const a = arm(r.arm_id);
      a.contactsSent += r.n;
      a.byChannel[r.channel] = (a.byChannel[r.channel] ?? 0) + r.n;
    }
    return {
      arms: [...arms.values()],
      assignments: assignments.map((r) => ({ accountId: r.account_id, armId: r.arm_id })),
    };
  }
}
