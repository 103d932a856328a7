import { ServiceError, status } from '@grpc/grpc-js';
import { ledger } from '@collections/contracts';
import { ServiceUnderTest } from '@collections/testing';
import { openFundedAccount } from './support/accounts';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

const ROUNDS = 5;
const COPIES = 4;

/**
 * SetHold checks its idempotency key under the debtor's row lock, then inserts. Copies of one
 * hold arriving at once must set it once and answer each caller with it; a key reused for another
 * debtor must be refused as it is one after the other (ABORTED, "already used"), not fail inside.
 */
describe('holds set at the same time (gRPC, real PostgreSQL)', () => {
  let api: LedgerApi;
  let sut: ServiceUnderTest;
  let client: LedgerApi['client'];
  let md: LedgerApi['md'];
  let n = 0;

  beforeAll(async () => {
    api = await startLedgerApi();
    ({ sut, client, md } = api);
  });
  afterAll(async () => {
    await api?.close();
  });

  /** A debtor `d-<account>` with one account. */
  const newDebtor = async () => `d-${await openFundedAccount(client, md, { id: `acct-${++n}`, opening: 10_000 })}`;
  const hold = (debtorId: string, idempotencyKey: string) => ({
    debtorId,
    kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
    source: 'debtor',
    startsOn: '2026-03-01',
    endsOn: '',
    idempotencyKey,
    bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
  });
  const outcome = <T>(p: Promise<T>) =>
    p.then(
      (answer) => ({ ok: true as const, answer }),
      (err: ServiceError) => ({ ok: false as const, code: err.code, details: err.details }),
    );
  const holdEvents = async (debtorId: string) =>
    (
      (await sut.dataSource.query(
        `SELECT count(*)::int AS n FROM ledger.outbox WHERE key = $1 AND headers->>'ce_type' = 'collections.ledger.v1.HoldChanged'`,
        [debtorId],
      )) as { n: number }[]
    )[0].n;

  it('sets a hold once when the same request arrives several times at once, every caller answered with it', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const debtorId = await newDebtor();
      const request = hold(debtorId, `hold-${debtorId}`);
      const answers = await Promise.all(Array.from({ length: COPIES }, () => client.setHold(request, md())));
      expect(answers.map((a) => a.holdId)).toEqual(answers.map(() => answers[0].holdId));
      expect(answers.filter((a) => !a.replayed)).toHaveLength(1);
      expect(await holdEvents(debtorId)).toBe(1);
    }
  });

  it('refuses a key reused for another debtor at the same time as it does one after the other (ABORTED)', async () => {
    const [x, y] = [await newDebtor(), await newDebtor()];
    await client.setHold(hold(x, `reused-${x}`), md());
    expect(await outcome(client.setHold(hold(y, `reused-${x}`), md()))).toMatchObject({
      ok: false,
      code: status.ABORTED,
      details: 'idempotency_key was already used for another hold',
    });

    for (let round = 0; round < ROUNDS; round++) {
      const [a, b] = [await newDebtor(), await newDebtor()];
      const key = `shared-${a}`;
      const answers = await Promise.all([
        outcome(client.setHold(hold(a, key), md())),
        outcome(client.setHold(hold(b, key), md())),
      ]);
      expect(answers.filter((r) => r.ok)).toHaveLength(1);
      expect(answers.filter((r) => !r.ok)).toEqual([
        expect.objectContaining({ code: status.ABORTED, details: 'idempotency_key was already used for another hold' }),
      ]);
      expect((await holdEvents(a)) + (await holdEvents(b))).toBe(1);
    }
  });
});
