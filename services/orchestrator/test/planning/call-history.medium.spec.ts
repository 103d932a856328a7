import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { AgentTaskContactLaw } from '../../src/agents/usecases/agent-task-contact-law';
import { recordCallOutcome } from '../../src/agents/record-call-outcome';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { plannerHandlers } from '../../src/planning/planner.consumer';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { AgentQueueEscalation, PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { Fact, factConsumer, openedAccountFacts, scoredFact } from '../support/planner-facts';

/** Wednesday 4 March 2026, 10:00 in Bogotá and New York (both UTC-5 that day); due on the 12th. */
const NOW = new Date('2026-03-04T15:00:00Z');

/** One step on `channel` today (entry day), any hour. */
const oneStep = (channel: string, jurisdictions: string[]) => ({
  name: `${channel} today`,
  priority: 1,
  entry: { jurisdictions },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [{ id: 'now', channel, template: 'overdue', offset: { from: 'entry', days: 0 } }],
    },
  ],
  stopConditions: ['payment'],
});

describe('the contact history counts calls by agents and the voice bot (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let consume: (fact: Fact) => Promise<void>;
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    sut = await startServiceUnderTest(
      createOrchestratorService({ directory: { addressesOf: async () => undefined, close: () => undefined } }),
      NOW,
    );
    for (const [id, doc] of Object.entries({ 'us-call': oneStep('call', ['US']), 'co-sms': oneStep('sms', ['CO']) }))
      await sut.dataSource.query(
        `INSERT INTO strategy_version (tenant_id, strategy_id, version, document) VALUES ($1, $2, 1, $3)`,
        [sut.tenant, id, JSON.stringify(doc)],
      );
    const repo = new PlannerRepository();
    const handlers = plannerHandlers(new PlanAccountUseCase(sut.context, repo, new AgentQueueEscalation()), repo);
    const consumeAs = factConsumer(sut, handlers, sut.clock);
    consume = (fact) => consumeAs(sut.tenant, fact);
  });
  afterAll(async () => {
    await sut?.close();
    process.env = saved;
  });

  /** The ledger's and scoring's facts of a debtor (consenting to calls and SMS) and their account. */
  const open = async (accountId: string, debtorId: string, country: 'US' | 'CO') => {
    for (const fact of openedAccountFacts(accountId, debtorId)) {
      if (fact.type === 'collections.ledger.v1.DebtorUpserted')
        Object.assign(fact.payload, {
          country,
          timeZone: country === 'US' ? 'America/New_York' : 'America/Bogota',
          consentedChannels: ['call', 'sms'],
        });
      await consume(fact);
    }
    await consume(scoredFact(accountId, 250_000_00, sut.clock.now()));
  };
  const called = (accountId: string, outcome: 'right_party_contact' | 'no_answer', at: Date, causedBy: string) =>
    sut.dataSource.transaction((tx) =>
      recordCallOutcome(
        tx,
        sut.context.backbone.outbox,
        {
          tenantId: sut.tenant,
          accountId,
          agentId: 'ana',
          source: 'agent',
          outcome,
          causedBy,
          now: at,
        },
        sut.app.app.get(AgentTaskContactLaw),
      ),
    );
  const schedule = (accountId: string) =>
    sut.dataSource.query(`SELECT channel, due_at FROM contact_schedule WHERE tenant_id = $1 AND account_id = $2`, [
      sut.tenant,
      accountId,
    ]) as Promise<{ channel: string; due_at: Date }[]>;
  const refusals = async (accountId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT reasons FROM contact_decision WHERE tenant_id = $1 AND account_id = $2 AND NOT allowed`,
        [sut.tenant, accountId],
      )) as { reasons: string[] }[]
    ).flatMap((r) => r.reasons);

  it('a US debtor an agent spoke to yesterday is not called by the strategy today', async () => {
    sut.clock.set(NOW);
    await open('acct-us-prior', 'debtor-us-prior', 'US'); // a debtor not yet called: the call goes today
    expect(await schedule('acct-us-prior')).toEqual([{ channel: 'call', due_at: NOW }]);

    // A conversation yesterday about this debt (Tuesday 3 March, 16:00 New York), then the account is planned.
    await sut.dataSource.query(
      `INSERT INTO account_party (tenant_id, account_id, debtor_id, role) VALUES ($1, 'acct-us', 'debtor-us', 1)`,
      [sut.tenant],
    );
    await called('acct-us', 'right_party_contact', new Date('2026-03-03T21:00:00Z'), 'agent-task:us-1');
    sut.clock.set(NOW);
    await open('acct-us', 'debtor-us', 'US');

    const rows = await schedule('acct-us');
    expect(rows.every((r) => r.due_at.getTime() >= new Date('2026-03-10T12:00:00Z').getTime())).toBe(true); // 08:00 New York, the seventh day past
    expect((await refusals('acct-us')).join(' ')).toMatch(/US-CALL-AFTER-CONVERSATION/);
  });

  it('a Colombian debtor reached by phone this morning gets no SMS the same day', async () => {
    sut.clock.set(NOW);
    await sut.dataSource.query(
      `INSERT INTO account_party (tenant_id, account_id, debtor_id, role) VALUES ($1, 'acct-co', 'debtor-co', 1)`,
      [sut.tenant],
    );
    // The voice bot reached them at 08:30 Bogotá: its call's schedule row, and the bot's outcome for it.
    await sut.dataSource.query(
      `INSERT INTO contact_schedule (tenant_id, account_id, debtor_id, decision_id, strategy_id, strategy_version, arm_id,
         step_id, channel, template, fallback, due_at, status, created_at, updated_at, sent_at, provider_message_id)
       VALUES ($1, 'acct-other', 'debtor-co', gen_random_uuid(), 'bot', 1, 'champion', 'bot-call', 'call', 'overdue', false,
               $2, 'sent', $2, $2, $2, 'CA-co-1')`,
      [sut.tenant, new Date('2026-03-04T13:30:00Z')],
    );
    await sut.dataSource.transaction((tx) =>
      recordCallOutcome(
        tx,
        sut.context.backbone.outbox,
        {
          tenantId: sut.tenant,
          accountId: 'acct-co',
          source: 'voice_bot',
          outcome: 'right_party_contact',
          causedBy: 'call:CA-co-1',
          now: new Date('2026-03-04T13:32:00Z'),
        },
        sut.app.app.get(AgentTaskContactLaw),
      ),
    );
    await open('acct-co', 'debtor-co', 'CO');

    const [row] = await schedule('acct-co');
    expect(row.channel).toBe('sms');
    expect(row.due_at.getTime()).toBeGreaterThanOrEqual(new Date('2026-03-05T12:00:00Z').getTime()); // Thursday 07:00
    expect((await refusals('acct-co')).join(' ')).toMatch(/CO-ONE-CONTACT-A-DAY/);
  });

  it('a Colombian debtor an agent called without reaching gets the SMS today', async () => {
    sut.clock.set(NOW);
    await sut.dataSource.query(
      `INSERT INTO account_party (tenant_id, account_id, debtor_id, role) VALUES ($1, 'acct-co2', 'debtor-co2', 1)`,
      [sut.tenant],
    );
    await called('acct-co2', 'no_answer', new Date('2026-03-04T13:30:00Z'), 'agent-task:co2');
    await open('acct-co2', 'debtor-co2', 'CO');
    expect(await schedule('acct-co2')).toEqual([{ channel: 'sms', due_at: NOW }]);
  });
});
