import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { API_KEY_HEADER } from '@collections/platform';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { DailyPlanningUseCase } from '../../src/planning/usecases/daily-planning.usecase';
import { PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { ContactRulesRepository } from '../../src/policy/contact-rules.repository';
import { TenantRulePacks } from '../../src/policy/tenant-rule-packs';

/** Bogotá 07:00 on Wednesday 11 March 2026. */
const NOW = new Date('2026-03-11T12:00:00Z');
const bogota = (time: string) => new Date(`2026-03-11T${time}:00-05:00`);
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

describe('the daily run under each lender’s own contact rules (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  const saved = { ...process.env };
  const OTHER_LENDER = 'another-lender';

  beforeAll(async () => {
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    sut = await startServiceUnderTest(
      createOrchestratorService({ directory: { addressesOf: async () => undefined, close: () => undefined } }),
      NOW,
    );
    for (const t of [sut.tenant, OTHER_LENDER]) {
      await sut.dataSource.query(
        `INSERT INTO strategy_version (tenant_id, strategy_id, version, document) VALUES ($1, 'reminders', 1, $2)`,
        [t, JSON.stringify(strategy)],
      );
      for (let i = 1; i <= 2; i++) {
        await sut.dataSource.query(
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
    }
  });

  afterAll(async () => {
    await sut?.close();
    process.env = saved;
  });

  it('a lender that contacts only from 08:00 has its 07:00 reminders planned for 08:00, another lender’s for 07:00, its rules read once per chunk', async () => {
    const put = await fetch(`${sut.app.httpUrl}/v1/orchestrator/contact-rules/CO/override`, {
      method: 'PUT',
      headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({
        contactHours: {
          'CO-HOURS': {
            weekly: Object.fromEntries(
              ['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ from: '08:00', to: '18:00' }]]),
            ),
          },
        },
      }),
    });
    expect(put.status).toBe(200);

    let reads = 0;
    const overrides = new ContactRulesRepository();
    const counted = Object.assign(Object.create(overrides) as ContactRulesRepository, {
      latestOf: (...a: Parameters<ContactRulesRepository['latestOf']>) => {
        reads += 1;
        return overrides.latestOf(...a);
      },
    });
    const planner = sut.app.app.get(PlanAccountUseCase);
    const run = new DailyPlanningUseCase(
      sut.context,
      new PlannerRepository(new TenantRulePacks(counted)),
      planner,
      10,
      undefined,
      1,
    );
    expect(await run.run()).toMatchObject({ accounts: 4, schedule: 4 });
    expect(reads).toBe(1);

    const planned = (await sut.dataSource.query(
      `SELECT s.tenant_id, s.account_id, s.due_at, d.pack_version, d.override_version
         FROM contact_schedule s JOIN contact_decision d ON d.tenant_id = s.tenant_id AND d.id = s.decision_id
        ORDER BY s.tenant_id = $1 DESC, s.account_id`,
      [sut.tenant],
    )) as {
      tenant_id: string;
      account_id: string;
      due_at: Date;
      pack_version: string;
      override_version: number | null;
    }[];
    expect(planned).toEqual([
      {
        tenant_id: sut.tenant,
        account_id: 'acct-1',
        due_at: bogota('08:00'),
        pack_version: expect.stringMatching(/\.v1$/),
        override_version: 1,
      },
      {
        tenant_id: sut.tenant,
        account_id: 'acct-2',
        due_at: bogota('08:00'),
        pack_version: expect.stringMatching(/\.v1$/),
        override_version: 1,
      },
      {
        tenant_id: OTHER_LENDER,
        account_id: 'acct-1',
        due_at: bogota('07:00'),
        pack_version: expect.not.stringContaining('+'),
        override_version: null,
      },
      {
        tenant_id: OTHER_LENDER,
        account_id: 'acct-2',
        due_at: bogota('07:00'),
        pack_version: expect.not.stringContaining('+'),
        override_version: null,
      },
    ]);
  });
});
