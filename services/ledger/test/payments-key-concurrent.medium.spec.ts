import { AppError } from '@collections/platform';
import { ServiceUnderTest } from '@collections/testing';
import { EntryKind } from '../src/ledger/domain/journal';
import { LedgerRepository } from '../src/ledger/ledger.repository';
import { PostEntryUseCase } from '../src/ledger/usecases/post-entry.usecase';
import { openFundedAccount } from './support/accounts';
import { LedgerApi, startLedgerApi } from './support/ledger-api';

const ROUNDS = 8;

/**
 * A posting checks its idempotency key under its account's lock. Two replicas (each its own
 * posting use case, so their commands never share a batch) given one key for two different
 * accounts at the same moment hold different locks: both find the key free, and the second
 * insert meets the key's unique index. The caller must get what it gets one after the other —
 * the key already used for another posting — and nothing is posted twice.
 */
describe('one idempotency key posted to two accounts by two replicas at once (real PostgreSQL)', () => {
  let api: LedgerApi;
  let sut: ServiceUnderTest;
  let client: LedgerApi['client'];
  let md: LedgerApi['md'];
  let n = 0;

  beforeAll(async () => {
    api = await startLedgerApi();
    ({ sut, client, md } = api);
    sut.clock.set(new Date('2026-03-02T15:00:00Z'));
  });
  afterAll(async () => {
    await api?.close();
  });

  const payment = (accountId: string, idempotencyKey: string) => ({
    tenantId: sut.tenant,
    accountId,
    kind: EntryKind.Payment,
    amountMinor: 1_000,
    currency: 'USD',
    idempotencyKey,
  });

  it('posts it once and refuses the other as a key already used, never an internal error', async () => {
    const replicas = [1, 2].map(() => new PostEntryUseCase(sut.context, new LedgerRepository()));
    for (let round = 0; round < ROUNDS; round++) {
      const accounts = [
        await openFundedAccount(client, md, { id: `acct-key-${++n}`, opening: 10_000 }),
        await openFundedAccount(client, md, { id: `acct-key-${++n}`, opening: 10_000 }),
      ];
      const key = `pay-shared-${round}`;
      const answers = await Promise.all(
        replicas.map((r, i) =>
          r.execute(payment(accounts[i], key)).then(
            () => 'posted',
            (err: unknown) => (err instanceof AppError ? `${err.code}: ${err.message}` : `internal: ${String(err)}`),
          ),
        ),
      );
      expect(answers.sort()).toEqual(['CONFLICT: idempotency_key was already used for a different posting', 'posted']);
      const [{ entries }] = (await sut.dataSource.query(
        `SELECT count(*)::int AS entries FROM ledger.journal_entry WHERE tenant_id = $1 AND idempotency_key = $2`,
        [sut.tenant, key],
      )) as { entries: number }[];
      expect(entries).toBe(1);
    }
  });
});
