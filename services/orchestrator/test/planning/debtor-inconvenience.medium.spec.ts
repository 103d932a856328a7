import { decodePayload, ledger } from '@collections/contracts';
import { ledgerService } from '@collections/ledger';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { GrpcContactDirectory } from '../../src/dispatch/contact-directory';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { plannerHandlers } from '../../src/planning/planner.consumer';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { AgentQueueEscalation, PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { Fact, factConsumer, openedAccountFacts, scoredFact } from '../support/planner-facts';

/** Tuesday 10 March 2026, 09:00 in Chicago (daylight time, UTC−5). */
const NOW = new Date('2026-03-10T14:00:00Z');
const WORK = '+13125550101';
const HOME = '+13125550102';

/** One call on the day the account enters the strategy, any hour. */
const callToday = {
  name: 'call today',
  priority: 1,
  entry: { jurisdictions: ['US'] },
  arms: [
    {
      id: 'champion',
      weight: 100,
      steps: [{ id: 'now', channel: 'call', template: 'overdue', offset: { from: 'entry', days: 0 } }],
    },
  ],
  stopConditions: ['payment'],
};

/**
 * From the ledger's API to a planned call: what a debtor told an agent ("not before 10 on
 * weekdays", "not at work, my employer forbids it") goes into UpsertDebtor, reaches the
 * orchestrator on DebtorUpserted, and moves or stops the call (real PostgreSQL, a real ledger).
 */
describe('a debtor’s inconvenient times and forbidden workplace, from the ledger to the planner (Regulation F §1006.6(b))', () => {
  let sut: ServiceUnderTest;
  let ledgerSut: ServiceUnderTest;
  let ledgerClient: ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;
  let directory: GrpcContactDirectory;
  let consume: (fact: Fact) => Promise<void>;
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    ledgerSut = await startServiceUnderTest(ledgerService, NOW);
    ledgerClient = grpcClient(ledger.LedgerServiceService, ledgerSut.app.grpcAddress);
    sut = await startServiceUnderTest(
      createOrchestratorService({ directory: { addressesOf: async () => undefined, close: () => undefined } }),
      NOW,
    );
    directory = new GrpcContactDirectory(ledgerSut.app.grpcAddress, `${sut.tenant}:${ledgerSut.apiKey}`);
    await sut.dataSource.query(
      `INSERT INTO strategy_version (tenant_id, strategy_id, version, document) VALUES ($1, 'us-call', 1, $2)`,
      [sut.tenant, JSON.stringify(callToday)],
    );
    const repo = new PlannerRepository();
    const handlers = plannerHandlers(new PlanAccountUseCase(sut.context, repo, new AgentQueueEscalation()), repo);
    const consumeAs = factConsumer(sut, handlers, sut.clock);
    consume = (fact) => consumeAs(sut.tenant, fact);
  });
  afterAll(async () => {
    directory?.close();
    ledgerClient?.close();
    await sut?.close();
    await ledgerSut?.close();
    process.env = saved;
  });

  /** The debtor through the ledger's UpsertDebtor, then its DebtorUpserted and the account's facts to the planner. */
  async function open(n: string, phones: ledger.ContactPoint[], inconvenientTimes: ledger.InconvenientTime[]) {
    const debtorId = `debtor-inc-${n}`;
    const accountId = `acct-inc-${n}`;
    const debtor = ledger.Debtor.fromPartial({
      debtorId,
      kind: 'person',
      displayName: 'Dana Night',
      timeZone: 'America/Chicago',
      language: 'en',
      country: 'US',
      contactPoints: phones,
      contactPreferences: { inconvenientTimes },
    });
    await ledgerClient.upsertDebtor({ debtor }, metadataFromPrincipalHeaders({ apiKey: ledgerSut.apiKey }));
    const [event] = (await ledgerSut.dataSource.query(
      `SELECT payload FROM ledger.outbox WHERE key = $1 AND headers->>'ce_type' = 'collections.ledger.v1.DebtorUpserted'`,
      [debtorId],
    )) as { payload: Buffer }[];
    await consume({
      type: 'collections.ledger.v1.DebtorUpserted',
      key: debtorId,
      payload: decodePayload('collections.ledger.v1.DebtorUpserted', event.payload),
    });
    for (const fact of openedAccountFacts(accountId, debtorId))
      if (fact.type !== 'collections.ledger.v1.DebtorUpserted') await consume(fact);
    await consume(scoredFact(accountId, 250_000_00, sut.clock.now()));
    return { debtorId, accountId };
  }
  const phone = (value: string, verified: boolean, workplaceForbidden: boolean): ledger.ContactPoint => ({
    type: 'phone',
    value,
    verified,
    consentedChannels: [],
    workplaceForbidden,
  });
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

  it('moves the call of a debtor who said "not before 10:00 on weekdays" from 09:00 to 10:00, and dials their home number, not the forbidden work one', async () => {
    sut.clock.set(NOW);
    const weekdays = (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => ({
      day,
      from: '00:00',
      to: '10:00',
      channels: [],
    }));
    // The work number is verified and listed first: without the flag it would be the one dialled.
    const { debtorId, accountId } = await open('a', [phone(WORK, true, true), phone(HOME, false, false)], weekdays);

    const [facts] = (await sut.dataSource.query(
      `SELECT inconvenient_times, workplace_forbidden_channels FROM debtor_profile WHERE tenant_id = $1 AND debtor_id = $2`,
      [sut.tenant, debtorId],
    )) as { inconvenient_times: unknown[]; workplace_forbidden_channels: string[] }[];
    expect(facts).toEqual({
      inconvenient_times: weekdays.map(({ day, from, to }) => ({ day, from, to })),
      workplace_forbidden_channels: [],
    });
    expect(await schedule(accountId)).toEqual([{ channel: 'call', due_at: new Date('2026-03-10T15:00:00Z') }]);
    expect((await refusals(accountId)).join(' ')).toMatch(
      /^US-INCONVENIENT: .*Tuesday 2026-03-10 09:00 in America\/Chicago/,
    );
    expect((await directory.addressesOf(sut.tenant, debtorId))?.phone).toBe(HOME);
  });

  it('does not call a debtor whose only number is at a workplace that forbids it', async () => {
    sut.clock.set(NOW);
    const { debtorId, accountId } = await open('b', [phone(WORK.replace('101', '201'), true, true)], []);
    const [facts] = (await sut.dataSource.query(
      `SELECT workplace_forbidden_channels FROM debtor_profile WHERE tenant_id = $1 AND debtor_id = $2`,
      [sut.tenant, debtorId],
    )) as { workplace_forbidden_channels: string[] }[];
    expect(facts.workplace_forbidden_channels).toEqual(['call', 'sms', 'whatsapp']);
    expect(await schedule(accountId)).toEqual([]);
    expect((await refusals(accountId)).join(' ')).toMatch(/^US-WORKPLACE: /);
  });
});
