import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { ledger, orchestrator } from '@collections/contracts';
import { API_KEY_HEADER, grpcClient, metadataFromPrincipalHeaders, runWithPrincipal } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { createAgentTask } from '../../src/agents';
import { AgentQueueUseCase } from '../../src/agents/usecases/agent-queue.usecase';
import { AgentTaskContactLaw } from '../../src/agents/usecases/agent-task-contact-law';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { noNumbersInLedger } from '../support/ledger-directory-stand-in';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { TENANT_RULES_MAX_AGE_MS, TenantRulePacks } from '../../src/policy/tenant-rule-packs';
import { published } from '../support/events';

/** Bogotá and Guayaquil are UTC-5 all year; New York is too before 8 March 2026. */
const utcMinus5 = (date: string, time: string) => new Date(`${date}T${time}:00-05:00`);
const weekdays = (from: string, to: string) =>
  Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [{ from, to }]]));

describe('a lender makes the contact law stricter for its own debtors (gRPC and REST, real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof orchestrator.OrchestratorServiceService>>;
  let md: () => Metadata;
  let queue: AgentQueueUseCase;
  let n = 0;
  const OTHER_LENDER = 'another-lender';

  beforeAll(async () => {
    sut = await startServiceUnderTest(
      createOrchestratorService({ directory: noNumbersInLedger }),
      utcMinus5('2026-03-03', '09:00'),
    );
    client = grpcClient(orchestrator.OrchestratorServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
    queue = sut.app.app.get(AgentQueueUseCase);
  });
  afterAll(async () => {
    client?.close();
    await sut?.close();
  });

  const failure = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  /** A debtor of the tenant's with one account, queued for a call by an agent of their own. */
  const debtorWithQueuedCall = async (
    tenantId: string,
    country: string,
    zone: string,
    consent = '{call,visit,sms}',
    agents = queue,
  ) => {
    const id = `${++n}`;
    await sut.dataSource.query(
      `INSERT INTO debtor_profile (tenant_id, debtor_id, time_zone, country, consented_channels)
       VALUES ($1, $2, $3, $4, $5)`,
      [tenantId, `deb-${id}`, zone, country, consent],
    );
    await sut.dataSource.query(
      `INSERT INTO account_party (tenant_id, account_id, debtor_id, role) VALUES ($1, $2, $3, 1)`,
      [tenantId, `acc-${id}`, `deb-${id}`],
    );
    // As the tenant's integration (an API key): agents are the tenant's configuration.
    await runWithPrincipal({ tenantId, subject: 'test', kind: 'api-key', roles: [] }, () =>
      agents.putAgent(tenantId, {
        agentId: `agent-${id}`,
        name: '',
        skills: ['call'],
        languages: [],
        segments: [],
        queues: [`q-${id}`],
        capacity: 10,
        active: true,
      }),
    );
    const { task } = await sut.dataSource.transaction((tx) =>
      createAgentTask(tx, sut.context.backbone.outbox, {
        tenantId,
        accountId: `acc-${id}`,
        kind: 'call',
        queue: `q-${id}`,
        reason: 'strategy escalation',
        causedByEventId: `cause-${id}`,
        now: sut.clock.now(),
      }),
    );
    return {
      tenantId,
      accountId: `acc-${id}`,
      taskId: task.id,
      claim: (by = agents) => by.claim(tenantId, `agent-${id}`),
    };
  };

  const lastDecision = async (tenantId: string, accountId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT allowed, reasons, next_permitted_at, pack_version, override_version FROM contact_decision
          WHERE tenant_id = $1 AND account_id = $2 ORDER BY decided_at DESC, id DESC LIMIT 1`,
        [tenantId, accountId],
      )) as {
        allowed: boolean;
        reasons: string[];
        next_permitted_at: Date | null;
        pack_version: string;
        override_version: number | null;
      }[]
    )[0];

  const overridesStored = async () =>
    Number(
      (
        (await sut.dataSource.query(`SELECT count(*) AS n FROM contact_rules_override WHERE tenant_id = $1`, [
          sut.tenant,
        ])) as { n: string }[]
      )[0].n,
    );

  it('a Colombian lender calling only 08:00–18:00 has its 18:30 call deferred to 08:00; another lender’s debtor is called; the audit names the override', async () => {
    const put = await client.putContactRulesOverride(
      {
        jurisdiction: 'CO',
        document: JSON.stringify({ contactHours: { 'CO-HOURS': { weekly: weekdays('08:00', '18:00') } } }),
      },
      md(),
    );
    expect(put.rules).toMatchObject({ jurisdiction: 'CO', overrideVersion: 1 });
    const mine = await debtorWithQueuedCall(sut.tenant, 'CO', 'America/Bogota');
    const theirs = await debtorWithQueuedCall(OTHER_LENDER, 'CO', 'America/Bogota');

    sut.clock.set(utcMinus5('2026-03-03', '18:30')); // a Tuesday
    expect(await mine.claim()).toBeUndefined();
    expect(await queue.getTask(sut.tenant, mine.taskId)).toMatchObject({
      state: 'open',
      due_at: utcMinus5('2026-03-04', '08:00'),
    });
    expect(await theirs.claim()).toMatchObject({ id: theirs.taskId, state: 'claimed' });

    const refused = await lastDecision(sut.tenant, mine.accountId);
    expect(refused).toMatchObject({ allowed: false, override_version: 1, pack_version: put.rules!.packVersion });
    expect(refused.pack_version).toMatch(new RegExp(`\\+${sut.tenant}\\.v1$`));
    expect(refused.reasons.join(' ')).toMatch(/^CO-HOURS/);
    // The published decision names the same law, for the CRM's and the regulator's audit trail.
    const [event] = (await published(sut, 'collections.orchestrator.v1.ContactDecision')).filter(
      (e) => e.accountId === mine.accountId,
    );
    expect(event).toMatchObject({
      allowed: false,
      packVersion: put.rules!.packVersion,
      overrideVersion: 1,
      stage: orchestrator.ContactDecisionStage.CONTACT_DECISION_STAGE_SEND,
    });
    expect(await lastDecision(OTHER_LENDER, theirs.accountId)).toMatchObject({
      allowed: true,
      override_version: null,
      pack_version: put.rules!.basePackVersion,
    });

    // Reading returns the effective pack.
    const { rules } = await client.getContactRules({ jurisdiction: 'CO' }, md());
    const pack = JSON.parse(rules!.effectivePack) as {
      contactHours: { id: string; weekly: Record<string, unknown> }[];
    };
    expect(pack.contactHours.find((r) => r.id === 'CO-HOURS')!.weekly.tue).toEqual([{ from: '08:00', to: '18:00' }]);
    expect(rules).toMatchObject({ overrideVersion: 1, packVersion: put.rules!.packVersion });
  });

  it('a US lender requiring consent has a debtor with none on record refused, for good', async () => {
    sut.clock.set(utcMinus5('2026-03-03', '10:00'));
    const before = await debtorWithQueuedCall(sut.tenant, 'US', 'America/New_York', '{}');
    expect(await before.claim()).toMatchObject({ state: 'claimed' }); // Regulation F alone asks no consent

    await client.putContactRulesOverride({ jurisdiction: 'US', document: '{"consent":{"required":true}}' }, md());
    const after = await debtorWithQueuedCall(sut.tenant, 'US', 'America/New_York', '{}');
    expect(await after.claim()).toBeUndefined();
    const task = await queue.getTask(sut.tenant, after.taskId);
    expect(task).toMatchObject({ state: 'cancelled', refusal_next_permitted_at: null });
    expect(task.refusal_reasons.join(' ')).toMatch(/^US-CONSENT/);
    expect(await lastDecision(sut.tenant, after.accountId)).toMatchObject({ allowed: false, override_version: 1 });
  });

  it('refuses an override that would loosen the law, naming what, and stores nothing', async () => {
    const stored = await overridesStored();
    const wider = await failure(
      client.putContactRulesOverride(
        {
          jurisdiction: 'CO',
          document: JSON.stringify({
            contactHours: { 'CO-HOURS': { weekly: { mon: [{ from: '06:00', to: '19:00' }] } } },
          }),
        },
        md(),
      ),
    );
    expect(wider.code).toBe(status.INVALID_ARGUMENT);
    expect(wider.details).toContain(
      "contactHours.CO-HOURS.weekly.mon[0] 06:00–19:00 reaches outside the pack's 07:00–19:00",
    );

    const higherCap = await fetch(`${sut.app.httpUrl}/v1/orchestrator/contact-rules/CO/override`, {
      method: 'PUT',
      headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ frequencyCaps: { 'CO-ONE-CONTACT-A-DAY': { max: 3 } }, consent: { required: false } }),
    });
    expect(higherCap.status).toBe(400);
    const body = (await higherCap.json()) as { message: string };
    expect(body.message).toContain("frequencyCaps.CO-ONE-CONTACT-A-DAY.max 3 is above the pack's 1");
    expect(body.message).toContain('consent.required the pack requires the debtor to authorise each channel');

    expect(await overridesStored()).toBe(stored);
    expect((await client.getContactRules({ jurisdiction: 'CO' }, md())).rules).toMatchObject({ overrideVersion: 1 });
  });

  it('a change through the API binds this replica’s next decision, and another replica’s once its copy is 5 s old', async () => {
    let replicaAge = 0;
    const outbox = sut.context.backbone.outbox;
    const replica = new AgentQueueUseCase(
      sut.dataSource,
      outbox,
      sut.clock,
      undefined,
      new AgentTaskContactLaw(
        outbox,
        undefined,
        new PlannerRepository(new TenantRulePacks(undefined, { now: () => replicaAge })),
      ),
    );
    sut.clock.set(utcMinus5('2026-03-03', '19:30')); // Ecuador: 07:00–20:00 on weekdays
    const early = await debtorWithQueuedCall(sut.tenant, 'EC', 'America/Guayaquil', undefined, replica);
    expect(await early.claim(replica)).toMatchObject({ state: 'claimed' });

    await fetch(`${sut.app.httpUrl}/v1/orchestrator/contact-rules/EC/override`, {
      method: 'PUT',
      headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ contactHours: { 'EC-HOURS': { weekly: weekdays('08:00', '19:00') } } }),
    }).then((r) => expect(r.status).toBe(200));

    const here = await debtorWithQueuedCall(sut.tenant, 'EC', 'America/Guayaquil');
    expect(await here.claim()).toBeUndefined();
    expect(await queue.getTask(sut.tenant, here.taskId)).toMatchObject({ due_at: utcMinus5('2026-03-04', '08:00') });

    replicaAge += TENANT_RULES_MAX_AGE_MS;
    const there = await debtorWithQueuedCall(sut.tenant, 'EC', 'America/Guayaquil', undefined, replica);
    expect(await there.claim(replica)).toBeUndefined();
    expect(await lastDecision(sut.tenant, there.accountId)).toMatchObject({ allowed: false, override_version: 1 });
  });

  it('a US lender whose policy stops a shared account on a co-obligor’s cease-communication has the primary refused for good; dropping the law’s co-party holds is refused', async () => {
    sut.clock.set(utcMinus5('2026-03-03', '10:00'));
    const stored = await overridesStored();
    const dropping = await fetch(`${sut.app.httpUrl}/v1/orchestrator/contact-rules/US/override`, {
      method: 'PUT',
      headers: { [API_KEY_HEADER]: sut.apiKey, 'content-type': 'application/json' },
      body: JSON.stringify({ coPartyHolds: ['bankruptcy', 'cease_communication'] }),
    });
    expect(dropping.status).toBe(400);
    expect(((await dropping.json()) as { message: string }).message).toContain(
      'coPartyHolds.dispute is dropped; the pack stops contact about the shared account on it',
    );
    expect(await overridesStored()).toBe(stored);

    const put = await client.putContactRulesOverride(
      {
        jurisdiction: 'US',
        document: JSON.stringify({ coPartyHolds: ['dispute', 'bankruptcy', 'cease_communication'] }),
      },
      md(),
    );
    const mine = await debtorWithQueuedCall(sut.tenant, 'US', 'America/New_York');
    const theirs = await debtorWithQueuedCall(OTHER_LENDER, 'US', 'America/New_York');
    // Each account's co-obligor has asked the lender to stop communicating with them.
    for (const { tenantId, accountId } of [mine, theirs]) {
      await sut.dataSource.query(
        `INSERT INTO account_party (tenant_id, account_id, debtor_id, role) VALUES ($1, $2, $3, $4)`,
        [tenantId, accountId, `co-${accountId}`, ledger.DebtorRole.DEBTOR_ROLE_CO_OBLIGOR],
      );
      await sut.dataSource.query(
        `INSERT INTO debtor_hold_state (tenant_id, hold_id, debtor_id, kind, active) VALUES ($1, $2, $3, $4, true)`,
        [tenantId, `hold-co-${accountId}`, `co-${accountId}`, ledger.HoldKind.HOLD_KIND_CEASE_COMMUNICATION],
      );
    }

    expect(await mine.claim()).toBeUndefined();
    const task = await queue.getTask(sut.tenant, mine.taskId);
    expect(task).toMatchObject({ state: 'cancelled', refusal_next_permitted_at: null });
    expect(task.refusal_reasons).toEqual([
      expect.stringMatching(
        new RegExp(
          `^US-CO-PARTY-HOLD-CEASE-COMMUNICATION-${sut.tenant}: .* — another party to the account \\(a co-obligor or guarantor\\) is on hold: cease_communication$`,
        ),
      ),
    ]);
    expect(await lastDecision(sut.tenant, mine.accountId)).toMatchObject({
      allowed: false,
      override_version: put.rules!.overrideVersion,
    });
    // Regulation F alone keeps a co-obligor's cease-communication their own.
    expect(await theirs.claim()).toMatchObject({ id: theirs.taskId, state: 'claimed' });

    const { rules } = await client.getContactRules({ jurisdiction: 'US' }, md());
    const pack = JSON.parse(rules!.effectivePack) as {
      coPartyHolds: { hold: string; bankruptcyChapters?: number[] }[];
    };
    expect(pack.coPartyHolds).toEqual([
      expect.objectContaining({ hold: 'dispute' }),
      expect.objectContaining({ hold: 'bankruptcy', bankruptcyChapters: [12, 13] }),
      expect.objectContaining({ hold: 'cease_communication', basis: 'platform-policy' }),
    ]);
    expect(JSON.parse(rules!.overrideDocument)).toEqual({
      coPartyHolds: ['dispute', 'bankruptcy', 'cease_communication'],
    });
  });
});
