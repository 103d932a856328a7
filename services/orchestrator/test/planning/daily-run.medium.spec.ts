import { EntityManager } from 'typeorm';
import { decodePayload, orchestrator } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { DailyRunRepository, ProgressUpdate } from '../../src/planning/daily-run.repository';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';

/** Bogotá 07:00 on Wednesday 11 March 2026. */
const NOW = new Date('2026-03-11T12:00:00Z');
const strategy = {
  name: 'Reminders',
  priority: 1,
  entry: {},
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [{ id: 'd-1', channel: 'sms', template: 'reminder', offset: { from: 'due_date', days: -1 } }],
    },
  ],
  stopConditions: ['payment'],
};

/**
 * Fails writing the second chunk (the one with acct-3, in chunks of two), as a process dying
 * mid-run would leave it. Known by its accounts, not by call order: the run writes one chunk
 * while it reads and decides the next.
 */
class CrashingOnSecondChunk extends DailyRunRepository {
  override async saveProgress(tx: EntityManager, updates: readonly ProgressUpdate[], at: Date): Promise<void> {
    await super.saveProgress(tx, updates, at);
    if (updates.some((u) => u.accountId === 'acct-3')) throw new Error('the process died');
  }
}

describe('the batched daily planning run (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  const saved = { ...process.env };
  const count = async (sql: string) => ((await sut.dataSource.query(sql, [sut.tenant])) as { n: number }[])[0].n;
  const written = async () => ({
    schedules: await count(`SELECT count(*)::int AS n FROM contact_schedule WHERE tenant_id = $1`),
    decisions: await count(`SELECT count(*)::int AS n FROM contact_decision WHERE tenant_id = $1`),
    events: await count(`SELECT count(*)::int AS n FROM outbox WHERE tenant_id = $1`),
  });

  beforeAll(async () => {
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    sut = await startServiceUnderTest(
      createOrchestratorService({ directory: { addressesOf: async () => undefined, close: () => undefined } }),
      NOW,
    );
    const t = sut.tenant;
    await sut.dataSource.query(
      `INSERT INTO strategy_version (tenant_id, strategy_id, version, document) VALUES ($1, 'reminders', 1, $2)`,
      [t, JSON.stringify(strategy)],
    );
    for (let i = 1; i <= 5; i++) {
      await sut.dataSource.query(
        // Colombia contacts only on channels the debtor authorised: these debtors authorised every one.
        `INSERT INTO debtor_profile (tenant_id, debtor_id, time_zone, country, language, consented_channels)
         VALUES ($1, $2, 'America/Bogota', 'CO', 'es', '{call,sms,whatsapp,email,letter,visit}')`,
        [t, `debtor-${i}`],
      );
      await sut.dataSource.query(
        `INSERT INTO account_party (tenant_id, account_id, debtor_id, role) VALUES ($1, $2, $3, 1)`,
        [t, `acct-${i}`, `debtor-${i}`],
      );
      await sut.dataSource.query(
        `INSERT INTO planner_account (tenant_id, account_id, product, currency, segment, balance_minor, balance_known, due_date)
         VALUES ($1, $2, 'credit_card', 'COP', 'negotiate', 100000, true, '2026-03-12')`,
        [t, `acct-${i}`],
      );
    }
  });

  afterAll(async () => {
    await sut?.close();
    process.env = saved;
  });

  it('resumes after a crash mid-run and plans each account once a day, however often it runs', async () => {
    const planner = sut.app.app.get(PlanAccountUseCase);
    const run = (batch = new DailyRunRepository()) =>
      new DailyPlanningUseCase(sut.context, new PlannerRepository(), planner, 2, batch, 2).run();

    // Chunks of two, two in flight: the first commits, the second dies and rolls back, and the
    // third (read and written meanwhile) does not commit after it.
    await expect(run(new CrashingOnSecondChunk())).rejects.toThrow('the process died');
    expect(await written()).toEqual({ schedules: 2, decisions: 2, events: 4 });

    // The next run plans the other three and leaves the first two alone.
    expect(await run()).toMatchObject({ accounts: 5, alreadyPlanned: 2, schedule: 3 });
    const rows = (await sut.dataSource.query(
      `SELECT account_id, step_id, channel, status, due_at FROM contact_schedule WHERE tenant_id = $1 ORDER BY account_id`,
      [sut.tenant],
    )) as { account_id: string; step_id: string; channel: string; status: string; due_at: Date }[];
    // D-1 is today: now, 07:00 in Bogotá, is inside the SMS hours of Colombia's pack.
    expect(rows).toEqual(
      [1, 2, 3, 4, 5].map((i) => ({
        account_id: `acct-${i}`,
        step_id: 'd-1',
        channel: 'sms',
        status: 'pending',
        due_at: expect.any(Date),
      })),
    );
    expect(await written()).toEqual({ schedules: 5, decisions: 5, events: 10 });

    // What COPY wrote reads back as written: the audit row, and its event with its envelope.
    const [decision] = (await sut.dataSource.query(
      `SELECT id, allowed, reasons, stage, arm_id, caused_by_event, pack_version FROM contact_decision
        WHERE tenant_id = $1 AND account_id = 'acct-3'`,
      [sut.tenant],
    )) as {
      id: string;
      allowed: boolean;
      reasons: string[];
      stage: string;
      arm_id: string;
      caused_by_event: string;
      pack_version: string;
    }[];
    expect(decision.pack_version).toBe('2026.1'); // Colombia's pack (Ley 2300), no override
    expect(decision).toMatchObject({ allowed: true, reasons: [], stage: 'plan', arm_id: 'champion' });
    expect(decision.caused_by_event).toMatch(/^daily-run:2026-03-11T12$/);
    const events = (await sut.dataSource.query(
      `SELECT key, headers, payload FROM outbox WHERE tenant_id = $1 AND key = 'acct-3' ORDER BY id`,
      [sut.tenant],
    )) as { key: string; headers: Record<string, string>; payload: Buffer }[];
    expect(events.map((e) => e.headers.ce_type)).toEqual([
      'collections.orchestrator.v1.ContactDecision',
      'collections.orchestrator.v1.ContactScheduled',
    ]);
    expect(events[0].headers).toMatchObject({
      ce_tenantid: sut.tenant,
      ce_subject: 'acct-3',
      ce_time: NOW.toISOString(),
      'content-type': 'application/protobuf',
    });
    const published = decodePayload('collections.orchestrator.v1.ContactDecision', events[0].payload);
    expect(published.overrideVersion).toBeUndefined();
    expect(published).toMatchObject({
      decisionId: decision.id,
      accountId: 'acct-3',
      allowed: true,
      armId: 'champion',
      // The audit event names the law that decided, as the row does (no override: none).
      packVersion: decision.pack_version,
      stage: orchestrator.ContactDecisionStage.CONTACT_DECISION_STAGE_PLAN,
    });
    const [row] = (await sut.dataSource.query(
      `SELECT id FROM contact_schedule WHERE tenant_id = $1 AND account_id = 'acct-3'`,
      [sut.tenant],
    )) as { id: string }[];
    expect(decodePayload('collections.orchestrator.v1.ContactScheduled', events[1].payload)).toMatchObject({
      scheduleId: row.id,
      decisionId: decision.id,
      accountId: 'acct-3',
      stepId: 'd-1',
    });

    // The same day again: nothing new.
    expect(await run()).toMatchObject({ accounts: 5, alreadyPlanned: 5 });
    expect(await written()).toEqual({ schedules: 5, decisions: 5, events: 10 });
  });

  it('writes the schedule rows whose step and account are free, and names only those', async () => {
    const batch = new DailyRunRepository();
    const at = new Date('2026-03-11T12:00:00Z');
    const row = (account: string, step: string, decision: string) => ({
      tenant_id: sut.tenant,
      account_id: account,
      debtor_id: 'debtor-x',
      decision_id: decision,
      strategy_id: 'reminders',
      strategy_version: 1,
      arm_id: 'champion',
      step_id: step,
      channel: 'sms' as const,
      template: 'reminder\ttab "quoted"',
      fallback: false,
      due_at: at,
    });
    const first = await sut.dataSource.transaction((tx) =>
      batch.insertSchedules(tx, [row('acct-x1', 'd-1', '00000000-0000-4000-8000-000000000001')], at),
    );
    // acct-x1 already has its live row (and that step): left out; acct-x2 goes in; acct-x3 twice in one chunk: once.
    const second = await sut.dataSource.transaction((tx) =>
      batch.insertSchedules(
        tx,
        [
          row('acct-x1', 'd-3', '00000000-0000-4000-8000-000000000002'),
          row('acct-x2', 'd-1', '00000000-0000-4000-8000-000000000003'),
          row('acct-x3', 'd-1', '00000000-0000-4000-8000-000000000004'),
          row('acct-x3', 'd-1', '00000000-0000-4000-8000-000000000005'),
        ],
        at,
      ),
    );
    const stored = (await sut.dataSource.query(
      `SELECT id, decision_id, template, status FROM contact_schedule WHERE tenant_id = $1 AND account_id LIKE 'acct-x%'
        ORDER BY account_id`,
      [sut.tenant],
    )) as { id: string; decision_id: string; template: string; status: string }[];
    expect(stored.map((r) => r.decision_id)).toEqual([
      '00000000-0000-4000-8000-000000000001',
      '00000000-0000-4000-8000-000000000003',
      '00000000-0000-4000-8000-000000000004',
    ]);
    expect(stored.every((r) => r.status === 'pending' && r.template === 'reminder\ttab "quoted"')).toBe(true);
    expect([...first]).toEqual([[stored[0].decision_id, stored[0].id]]);
    expect([...second].sort()).toEqual(
      stored
        .slice(1)
        .map((r) => [r.decision_id, r.id])
        .sort(),
    );
  });
});
