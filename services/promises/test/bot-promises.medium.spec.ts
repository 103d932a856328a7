import { ledger, orchestrator, orchestratorAgents } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';
import { deliver, published } from './support/events';
import { PromisesOnLedger, startPromisesOnLedger } from './support/with-ledger';

const COP = (amountMinor: number) => ({ amountMinor, currency: 'COP' });

/** Promises the debtor stated to the orchestrator (a reply to the bot, a call with an agent). */
describe('promises taken from the orchestrator (real ledger, real PostgreSQL)', () => {
  let env: PromisesOnLedger;
  let sut: ServiceUnderTest;
  let n = 0;

  beforeAll(async () => {
    env = await startPromisesOnLedger();
    ({ sut } = env);
  });
  afterAll(() => env.close());

  /** An account in Bogotá owing `owed` COP, known to both the ledger and promises. */
  async function newAccount(owed: number): Promise<string> {
    const id = `acc-bot-${++n}`;
    await env.openLedgerAccount(id, {
      amountMinor: owed,
      currency: 'COP',
      timeZone: 'America/Bogota',
      openedOn: '2026-01-01',
      chargedOn: '2026-01-05',
    });
    await deliver(sut, 'collections.ledger.v1.AccountOpened', {
      accountId: id,
      externalRef: '',
      product: ledger.Product.PRODUCT_CREDIT_CARD,
      currency: 'COP',
      creditLimitMinor: 0,
      openedOn: '2026-01-01',
      debtors: [],
      timeZone: 'America/Bogota',
    });
    return id;
  }

  const promisesOf = (accountId: string) =>
    sut.dataSource.query(
      `SELECT amount_minor::int AS amount, currency, to_char(due_date, 'YYYY-MM-DD') AS due_date, idempotency_key
         FROM promise WHERE tenant_id = $1 AND account_id = $2 ORDER BY created_at`,
      [sut.tenant, accountId],
    );

  const intent = (accountId: string, intentId: string, over: object = {}) => ({
    intentId,
    accountId,
    promisedDate: '',
    channel: orchestrator.Channel.CHANNEL_SMS,
    replyId: intentId,
    expressedAt: sut.clock.now(),
    ...over,
  });

  it('takes "pago 500 el viernes" as a promise of 500 on Friday, once however often it is delivered', async () => {
    const account = await newAccount(2_000_00);
    const event = intent(account, 'sms:SM1', { amount: COP(500_00), promisedDate: '2026-03-06' });
    const id = await deliver(sut, 'collections.orchestrator.v1.PaymentIntentExpressed', event);
    await deliver(sut, 'collections.orchestrator.v1.PaymentIntentExpressed', event, id);
    await deliver(sut, 'collections.orchestrator.v1.PaymentIntentExpressed', event);
    expect(await promisesOf(account)).toEqual([
      { amount: 500_00, currency: 'COP', due_date: '2026-03-06', idempotency_key: 'orchestrator:intent:sms:SM1' },
    ]);
    // Announced once, for the orchestrator to pause the account's cadence.
    const made = (await published(sut, 'collections.promises.v1.PromiseMade')).filter((e) => e.accountId === account);
    expect(made).toEqual([expect.objectContaining({ accountId: account, amount: COP(500_00), dueDate: '2026-03-06' })]);
  });

  it('promises the balance when the debtor named only a date, and gives a week when only an amount', async () => {
    const dateOnly = await newAccount(1_234_00);
    await deliver(
      sut,
      'collections.orchestrator.v1.PaymentIntentExpressed',
      intent(dateOnly, 'sms:SM2', { promisedDate: '2026-03-03' }),
    );
    expect(await promisesOf(dateOnly)).toMatchObject([{ amount: 1_234_00, due_date: '2026-03-03' }]);

    const amountOnly = await newAccount(9_000_00);
    await deliver(
      sut,
      'collections.orchestrator.v1.PaymentIntentExpressed',
      intent(amountOnly, 'sms:SM3', { amount: COP(300_00) }),
    );
    // 2 March in Bogotá, plus seven days.
    expect(await promisesOf(amountOnly)).toMatchObject([{ amount: 300_00, due_date: '2026-03-09' }]);
  });

  it('skips what cannot be a promise (another currency, a past date) without blocking the stream', async () => {
    const account = await newAccount(1_000_00);
    await deliver(
      sut,
      'collections.orchestrator.v1.PaymentIntentExpressed',
      intent(account, 'sms:SM4', { amount: { amountMinor: 5000, currency: 'USD' } }),
    );
    await deliver(
      sut,
      'collections.orchestrator.v1.PaymentIntentExpressed',
      intent(account, 'sms:SM5', { amount: COP(100), promisedDate: '2026-02-01' }),
    );
    expect(await promisesOf(account)).toEqual([]);
    expect(
      (await published(sut, 'collections.promises.v1.PromiseMade')).filter((e) => e.accountId === account),
    ).toEqual([]);
    const [{ n: dead }] = (await sut.dataSource.query(`SELECT count(*)::int AS n FROM promises.dead_letter`)) as {
      n: number;
    }[];
    expect(dead).toBe(0);
  });

  it('takes the promise an agent recorded on a call, and ignores other call outcomes', async () => {
    const account = await newAccount(5_000_00);
    const outcome = {
      outcomeId: 'out-1',
      accountId: account,
      taskId: 'task-1',
      agentId: 'ana',
      source: orchestratorAgents.CallOutcomeSource.CALL_OUTCOME_SOURCE_AGENT,
      promisedDate: '',
      recordedAt: sut.clock.now(),
    };
    await deliver(sut, 'collections.orchestrator.v1.CallOutcomeRecorded', {
      ...outcome,
      outcome: orchestratorAgents.CallOutcome.CALL_OUTCOME_REFUSAL,
    });
    await deliver(sut, 'collections.orchestrator.v1.CallOutcomeRecorded', {
      ...outcome,
      outcomeId: 'out-2',
      outcome: orchestratorAgents.CallOutcome.CALL_OUTCOME_PROMISE,
      promisedAmount: COP(2_500_00),
      promisedDate: '2026-03-10',
    });
    expect(await promisesOf(account)).toEqual([
      { amount: 2_500_00, currency: 'COP', due_date: '2026-03-10', idempotency_key: 'orchestrator:call-outcome:out-2' },
    ]);
  });
});
