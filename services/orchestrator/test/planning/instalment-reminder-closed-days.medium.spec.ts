import { ledger, promises } from '@collections/contracts';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { createOrchestratorService } from '../../src/orchestrator.service';
import { openColombianAccount } from '../support/accounts';
import { deliver, startConsumers } from '../support/events';
import { colombianEarlyStage, D3_REMINDER_EMAIL, putStrategies } from '../support/strategies';

const COP = (amountMinor: number) => ({ amountMinor, currency: 'COP' });
/** Bogotá is UTC-5 all year. */
const bogota = (date: string, hour: number) => new Date(`${date}T${String(hour + 5).padStart(2, '0')}:00:00Z`);

/**
 * Promises announces an instalment falling due once (InstalmentDueSoon, two days before it). In
 * Colombia no contact may go out on a Sunday or a public holiday (Ley 2300): when the notice comes
 * on such a day, the reminder must go out on the next day the law allows, as long as that is still
 * on or before the due date — not be dropped, since nothing announces the instalment again.
 */
describe('the reminder of a plan instalment whose notice comes on a day the contact law keeps closed (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  const debtors = new Map<string, ledger.Debtor>();
  const saved = { ...process.env };

  beforeAll(async () => {
    Object.assign(process.env, { ORCHESTRATOR_PLANNING_CHECK_MS: '0', ORCHESTRATOR_DISPATCH_CHECK_MS: '0' });
    const service = createOrchestratorService({
      directory: { addressesOf: async () => undefined, close: () => undefined },
    });
    sut = await startServiceUnderTest(service, new Date('2026-03-02T15:00:00Z'));
    await startConsumers(sut, service);
    await putStrategies(sut, { 'early-negotiate': colombianEarlyStage('Early stage', [D3_REMINDER_EMAIL]) });
  });

  afterAll(async () => {
    await sut?.context.backbone.stop();
    await sut?.close();
    process.env = saved;
  });

  const reminders = async (accountId: string) =>
    (await sut.dataSource.query(
      `SELECT step_id, status, due_at FROM contact_schedule WHERE account_id = $1 AND step_id LIKE 'instalment:%'`,
      [accountId],
    )) as { step_id: string; status: string; due_at: Date }[];

  /** A plan agreed on `agreedOn` whose instalment 1 is due on `dueDate`, and promises' notice of it on `noticeOn` at 06:00. */
  async function planNoticedOn(n: string, agreedOn: string, noticeOn: string, dueDate: string): Promise<string> {
    const accountId = await openColombianAccount(sut, debtors, n, {
      balanceMinor: 250_000_00,
      dueDate: '2026-04-20',
      points: { phone: `+5730011100${n.length}${n.charCodeAt(0) % 10}` },
    });
    const planId = `plan-${n}`;
    sut.clock.set(bogota(agreedOn, 11));
    await deliver(sut, 'collections.promises.v1.PlanAgreed', {
      planId,
      accountId,
      total: COP(250_000_00),
      frequency: promises.PlanFrequency.PLAN_FREQUENCY_MONTHLY,
      instalments: [{ seq: 1, dueDate, amount: COP(250_000_00) }],
      agreedAt: sut.clock.now(),
      channel: promises.PlanChannel.PLAN_CHANNEL_WEB,
      takenBy: promises.TakenBy.TAKEN_BY_SELF_SERVICE,
    });
    sut.clock.set(bogota(noticeOn, 6));
    await deliver(sut, 'collections.promises.v1.InstalmentDueSoon', {
      planId,
      accountId,
      seq: 1,
      dueDate,
      amountDue: COP(250_000_00),
      daysUntilDue: 2,
    });
    return accountId;
  }

  it('reminds on Monday 07:00 of an instalment due on Tuesday when the notice came on Sunday', async () => {
    const accountId = await planNoticedOn('sunday', '2026-03-04', '2026-03-08', '2026-03-10');

    expect(await reminders(accountId)).toEqual([
      { step_id: 'instalment:plan-sunday:1', status: 'pending', due_at: bogota('2026-03-09', 7) },
    ]);
  });

  it('reminds on the due date itself when the notice came on a Sunday before a holiday Monday (San José)', async () => {
    const accountId = await planNoticedOn('festivo', '2026-03-16', '2026-03-22', '2026-03-24');

    expect(await reminders(accountId)).toEqual([
      { step_id: 'instalment:plan-festivo:1', status: 'pending', due_at: bogota('2026-03-24', 7) },
    ]);
  });

  it('sends no reminder that could only go out after the instalment fell due', async () => {
    const accountId = await planNoticedOn('late', '2026-03-02', '2026-03-08', '2026-03-08');

    expect(await reminders(accountId)).toEqual([]);
  });
});
