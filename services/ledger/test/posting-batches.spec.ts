import { EntityManager } from 'typeorm';
import { ServiceContext } from '@collections/runtime';
import { EntryKind } from '../src/ledger/domain/journal';
import { AccountRef, LedgerRepository } from '../src/ledger/ledger.repository';
import { PostEntryUseCase } from '../src/ledger/usecases/post-entry.usecase';

/**
 * Concurrent single postings are grouped into transactions, several in flight at once. Two of
 * them posting to the same account would only queue on its row lock inside PostgreSQL while
 * holding their other accounts' locks; the later posting must wait for a batch of its own.
 */
describe('group commit of single postings', () => {
  it('never has two transactions in flight posting to the same account; every posting is answered', async () => {
    const running: Set<string>[] = [];
    const releases: (() => void)[] = [];
    const overlaps: string[] = [];
    const batches: string[][] = [];
    const repo = {
      async lockAccounts(_tx: EntityManager, refs: AccountRef[]) {
        const accounts = new Set(refs.map((r) => r.accountId));
        for (const other of running) for (const a of accounts) if (other.has(a)) overlaps.push(a);
        running.push(accounts);
        batches.push([...accounts]);
        await new Promise<void>((resolve) => releases.push(resolve));
        running.splice(running.indexOf(accounts), 1);
        return new Map(); // no such accounts: each posting is refused on its own
      },
      postingInputs: () => Promise.resolve({ earlier: new Map(), kept: new Set(), delinquency: new Map() }),
    } as unknown as LedgerRepository;
    const ctx = {
      dataSource: { transaction: (work: (tx: EntityManager) => Promise<unknown>) => work({} as EntityManager) },
      clock: { now: () => new Date('2026-12-02T12:00:00Z') },
    } as unknown as ServiceContext;
    const useCase = new PostEntryUseCase(ctx, repo);
    const pay = (accountId: string, n: number) =>
      useCase.execute({
        tenantId: 't',
        accountId,
        kind: EntryKind.Payment,
        amountMinor: 100,
        currency: 'USD',
        idempotencyKey: `${accountId}-${n}`,
      });

    const answers = [pay('busy', 0)]; // the first batch, held in flight
    await until(() => releases.length === 1);
    // 40 more: every fourth to the account in flight, the rest to 30 others.
    for (let n = 1; n <= 40; n++) answers.push(pay(n % 4 === 0 ? 'busy' : `acct-${n}`, n));
    await until(() => releases.length === 2);
    // A batch beside the one in flight takes the first 16 postings to other accounts, none to it.
    expect(batches[1]).toEqual([
      'acct-1',
      'acct-2',
      'acct-3',
      'acct-5',
      'acct-6',
      'acct-7',
      'acct-9',
      'acct-10',
      'acct-11',
      'acct-13',
      'acct-14',
      'acct-15',
      'acct-17',
      'acct-18',
      'acct-19',
      'acct-21',
    ]);
    const all = Promise.allSettled(answers);
    let done = false;
    void all.then(() => (done = true));
    for (let i = 0; i < 1000 && !done; i++) {
      releases.shift()?.(); // the batches in flight finish one by one, oldest first
      await new Promise((resolve) => setImmediate(resolve));
    }
    const settled = await all;
    expect(settled.every((s) => s.status === 'rejected' && /does not exist/.test(String(s.reason)))).toBe(true);
    expect(batches.flat().filter((a) => a === 'busy')).toHaveLength(2); // the first batch, then the ten that waited, together
    expect(overlaps).toEqual([]);
  });
});

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}
