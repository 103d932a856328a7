import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { ledger, ledgerLifecycle } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { ledgerService } from '../src/ledger.service';
import { openFundedAccount } from './support/accounts';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const { ACCOUNT_STATUS_CHARGED_OFF, ACCOUNT_STATUS_SETTLED } = ledger.AccountStatus;
const WRITE_OFF = 8;
const SETTLEMENT_DISCOUNT = 7;
/** Rounds per case: each a fresh account and calls at once, so the race is likely in at least one. */
const ROUNDS = 6;
/**
 * A retry loses only when it starts within a few milliseconds of the first call's commit: more
 * rounds, and copies started a few round trips apart (no sleeps), so one of them lands there.
 */
const RETRY_ROUNDS = 10;
const COPIES = 6;

/**
 * Charge-off and settlement post "the whole remaining balance" (postRemaining): a first look at
 * the balance without the account lock, then the posting under it. Two such commands at once —
 * a client retrying on a timeout, two operators, two replicas — must answer as they would one
 * after the other: applied once, the retry with the same key the first answer, a second command
 * with its own key what it gets when the balance is already gone.
 */
describe('ledger lifecycle commands arriving at the same time (gRPC, real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof ledger.LedgerServiceService>>;
  let lifecycle: ReturnType<typeof grpcClient<typeof ledgerLifecycle.LedgerLifecycleServiceService>>;
  let md: () => Metadata;
  let n = 0;

  beforeAll(async () => {
    sut = await startServiceUnderTest(ledgerService);
    client = grpcClient(ledger.LedgerServiceService, sut.app.grpcAddress);
    lifecycle = grpcClient(ledgerLifecycle.LedgerLifecycleServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
    sut.clock.set(new Date('2026-03-02T15:00:00Z'));
  });
  afterAll(async () => {
    client.close();
    lifecycle.close();
    await sut.close();
  });

  const newAccount = () => openFundedAccount(client, md, { id: `acct-${++n}`, opening: 300_000 });

  /** The answer, or the gRPC code and message of the refusal. */
  const outcome = <T>(p: Promise<T>) =>
    p.then(
      (answer) => ({ ok: true as const, answer }),
      (err: ServiceError) => ({ ok: false as const, code: err.code, message: err.details }),
    );

  /** The call, started after `k` status reads of the same account (each a round trip to the service). */
  const staggered = async <T>(k: number, call: () => Promise<T>) => {
    const accountId = `acct-${n}`;
    for (let i = 0; i < k; i++) await lifecycle.getAccountStatus({ accountId }, md());
    return outcome(call());
  };

  const entries = async (accountId: string, kind: number) =>
    (
      (await sut.dataSource.query(
        `SELECT count(*)::int AS n FROM ledger.journal_entry WHERE account_id = $1 AND kind = $2`,
        [accountId, kind],
      )) as { n: number }[]
    )[0].n;
  const events = async (accountId: string, type: string) =>
    (
      (await sut.dataSource.query(
        `SELECT count(*)::int AS n FROM ledger.outbox WHERE key = $1 AND headers->>'ce_type' = $2`,
        [accountId, type],
      )) as { n: number }[]
    )[0].n;

  it('charges an account off once when the same charge-off arrives several times at once, every caller answered alike', async () => {
    for (let round = 0; round < RETRY_ROUNDS; round++) {
      const id = await newAccount();
      const request = { accountId: id, idempotencyKey: `co-${id}`, reason: 'deceased, no estate' };
      const answers = await Promise.all(
        Array.from({ length: COPIES }, (_, k) => staggered(k, () => lifecycle.chargeOffAccount(request, md()))),
      );
      expect(answers.filter((a) => !a.ok)).toEqual([]);
      const ok = answers.flatMap((a) => (a.ok ? [a.answer] : []));
      const first = ok.find((a) => !a.replayed);
      expect(ok.filter((a) => !a.replayed)).toHaveLength(1);
      expect(ok.map((a) => a.entryId)).toEqual(ok.map(() => first!.entryId));
      expect(new Set(ok.map((a) => a.status))).toEqual(new Set([ACCOUNT_STATUS_CHARGED_OFF]));
      expect(await entries(id, WRITE_OFF)).toBe(1);
      expect(await events(id, 'collections.ledger.v1.AccountChargedOff')).toBe(1);
    }
  });

  it('settles an account once when the same settle arrives several times at once, every caller answered alike', async () => {
    for (let round = 0; round < RETRY_ROUNDS; round++) {
      const id = await newAccount();
      const request = { accountId: id, idempotencyKey: `settle-${id}`, reason: 'settled at 1.000,00' };
      const answers = await Promise.all(
        Array.from({ length: COPIES }, (_, k) => staggered(k, () => lifecycle.settleAccount(request, md()))),
      );
      expect(answers.filter((a) => !a.ok)).toEqual([]);
      const ok = answers.flatMap((a) => (a.ok ? [a.answer] : []));
      const first = ok.find((a) => !a.replayed);
      expect(ok.filter((a) => !a.replayed)).toHaveLength(1);
      expect(ok.map((a) => a.entryId)).toEqual(ok.map(() => first!.entryId));
      expect(await entries(id, SETTLEMENT_DISCOUNT)).toBe(1);
      expect(await events(id, 'collections.ledger.v1.AccountSettled')).toBe(1);
    }
  });

  it('answers a second settle with its own key, at the same time, as it does one after the other: settled, nothing more posted', async () => {
    // One after the other: the second settle finds a zero balance and answers "settled" with no entry.
    const sequential = await newAccount();
    await lifecycle.settleAccount({ accountId: sequential, idempotencyKey: `s1-${sequential}`, reason: 'offer' }, md());
    expect(
      await lifecycle.settleAccount(
        { accountId: sequential, idempotencyKey: `s2-${sequential}`, reason: 'offer' },
        md(),
      ),
    ).toMatchObject({ entryId: '', status: ACCOUNT_STATUS_SETTLED });

    for (let round = 0; round < ROUNDS; round++) {
      const id = await newAccount();
      const answers = await Promise.all(
        ['a', 'b'].map((k) =>
          outcome(lifecycle.settleAccount({ accountId: id, idempotencyKey: `s-${k}-${id}`, reason: 'offer' }, md())),
        ),
      );
      expect(answers).toEqual([
        expect.objectContaining({ ok: true, answer: expect.objectContaining({ status: ACCOUNT_STATUS_SETTLED }) }),
        expect.objectContaining({ ok: true, answer: expect.objectContaining({ status: ACCOUNT_STATUS_SETTLED }) }),
      ]);
      expect(await entries(id, SETTLEMENT_DISCOUNT)).toBe(1);
      expect(await events(id, 'collections.ledger.v1.AccountSettled')).toBe(1);
    }
  });

  it('refuses a second charge-off with its own key, at the same time, as it does one after the other (FAILED_PRECONDITION)', async () => {
    const sequential = await newAccount();
    await lifecycle.chargeOffAccount({ accountId: sequential, idempotencyKey: `c1-${sequential}`, reason: 'x' }, md());
    expect(
      await outcome(
        lifecycle.chargeOffAccount({ accountId: sequential, idempotencyKey: `c2-${sequential}`, reason: 'x' }, md()),
      ),
    ).toMatchObject({ ok: false, code: status.FAILED_PRECONDITION });

    for (let round = 0; round < ROUNDS; round++) {
      const id = await newAccount();
      const answers = await Promise.all(
        ['a', 'b'].map((k) =>
          outcome(lifecycle.chargeOffAccount({ accountId: id, idempotencyKey: `c-${k}-${id}`, reason: 'x' }, md())),
        ),
      );
      expect(answers.filter((a) => a.ok)).toHaveLength(1);
      expect(answers.filter((a) => !a.ok)).toEqual([
        expect.objectContaining({
          code: status.FAILED_PRECONDITION,
          message: expect.stringMatching(/balance is zero/),
        }),
      ]);
      expect(await entries(id, WRITE_OFF)).toBe(1);
    }
  });

  it('refuses a charge-off racing the payment that clears the balance as it would after it (FAILED_PRECONDITION)', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const id = await newAccount();
      const [paid, chargedOff] = await Promise.all([
        outcome(
          client.postPayment(
            { accountId: id, amount: USD(300_000), idempotencyKey: `p-${id}`, reference: '', effectiveDate: '' },
            md(),
          ),
        ),
        outcome(lifecycle.chargeOffAccount({ accountId: id, idempotencyKey: `co-${id}`, reason: 'x' }, md())),
      ]);
      if (!chargedOff.ok) {
        // The payment came first: nothing was left to charge off.
        expect(paid.ok).toBe(true);
        expect(chargedOff).toMatchObject({ code: status.FAILED_PRECONDITION });
        expect(await entries(id, WRITE_OFF)).toBe(0);
      } else {
        expect(await entries(id, WRITE_OFF)).toBe(1);
      }
    }
  });
});
