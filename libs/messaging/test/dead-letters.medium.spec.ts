import { waitFor, writePersonDeadLetters } from '@collections/testing';
import { DeadLetterRetention } from '../src/dead-letter-retention';
import { MessagingLogger } from '../src/transport';
import { BackboneHarness, SERVICE, inProcessKind } from './backbone-harness';

const DAY_MS = 24 * 3_600_000;

/** `n` dead letters created `createdDaysAgo` days ago, replayed `replayedDaysAgo` days ago (null: never). */
async function seed(h: BackboneHarness, n: number, createdDaysAgo: number, replayedDaysAgo: number | null) {
  await h.ds.query(
    `INSERT INTO ${SERVICE}.dead_letter
       (consumer, event_id, tenant_id, topic, partition, record_offset, key, headers, payload, reason, error, attempts,
        created_at, replayed_at)
     SELECT 'svc', 'e-' || i, 'tenant', 'collections.ledger.payment.v1', 0, i::text, 'acct-1', '{}', '\\x00', 'handler-failed',
            'boom', 1, now() - $2 * interval '1 day', now() - $3 * interval '1 day'
       FROM generate_series(1, $1) i`,
    [n, createdDaysAgo, replayedDaysAgo],
  );
}

/** The dead letters left: how many never replayed, and how many replayed by days since their replay. */
async function left(h: BackboneHarness): Promise<Record<string, number>> {
  const rows = (await h.ds.query(
    `SELECT coalesce(round(extract(epoch FROM now() - replayed_at) / 86400)::text || ' days', 'never') AS replayed,
            count(*)::int AS n
       FROM ${SERVICE}.dead_letter GROUP BY 1`,
  )) as { replayed: string; n: number }[];
  return Object.fromEntries(rows.map((r) => [r.replayed, r.n]));
}

describe('dead-letter retention (real PostgreSQL)', () => {
  const h = new BackboneHarness(inProcessKind);

  beforeAll(() => h.open());
  afterAll(() => h.close());
  afterEach(async () => {
    await h.ds.query(`DELETE FROM ${SERVICE}.dead_letter`);
  });

  const retention = (retentionMs: number, batchSize?: number) =>
    new DeadLetterRetention({ schema: SERVICE, dataSource: h.ds, retentionMs, batchSize });

  it('deletes the dead letters replayed before the retention, a batch per statement, and keeps the unreplayed and recent ones', async () => {
    await seed(h, 1_200, 45, 40);
    await seed(h, 3, 12, 10);
    // Never replayed, however old: an operator's open work.
    await seed(h, 2, 400, null);

    const sweep = await retention(30 * DAY_MS, 500).sweep();
    expect(sweep).toEqual({ deleted: 1_200, statements: 3, oldestReplayedAt: expect.any(Date) });
    expect(Math.round((Date.now() - sweep.oldestReplayedAt!.getTime()) / DAY_MS)).toBe(40);
    expect(await left(h)).toEqual({ never: 2, '10 days': 3 });
    // What is left is unreplayed or replayed within the retention: a second sweep finds nothing.
    expect(await retention(30 * DAY_MS, 500).sweep()).toEqual({ deleted: 0, statements: 1, oldestReplayedAt: null });
  });

  it('keeps every dead letter when the retention is 0', async () => {
    await seed(h, 2, 500, 400);
    await seed(h, 1, 500, null);
    expect(await retention(0).sweep()).toEqual({ deleted: 0, statements: 0, oldestReplayedAt: null });
    expect(await left(h)).toEqual({ never: 1, '400 days': 2 });
  });

  it('runs by itself in a running backbone and logs each sweep that deleted something, without the record', async () => {
    const logged: { msg: string; obj: Record<string, unknown> }[] = [];
    const record = (obj: object, msg: string) => logged.push({ msg, obj: obj as Record<string, unknown> });
    const logger: MessagingLogger = { debug: () => undefined, info: record, warn: record, error: record };
    let broken = true;
    const b = h.backbone({
      logger,
      deadLetters: { retentionMs: 30 * DAY_MS, firstSweepDelayMs: 10, sweepIntervalMs: 20 },
    });
    h.effectConsumer(b, { failFor: (n) => broken && n === 2, maxAttempts: 1 });
    await b.start();
    await h.publishPayments(b, [1, 2, 3]);
    const [dead] = await waitFor(async () => {
      const list = await b.deadLetters.list();
      return list.length === 1 ? list : undefined;
    });
    broken = false;
    await b.deadLetters.replay(dead.id);
    await h.waitForEffects(3);
    // Replayed 31 days ago: past the retention.
    await h.ds.query(`UPDATE ${SERVICE}.dead_letter SET replayed_at = now() - interval '31 days' WHERE id = $1`, [
      dead.id,
    ]);
    await waitFor(async () => (await b.deadLetters.list({ includeReplayed: true })).length === 0, {
      timeoutMs: 30_000,
      message: 'the replayed dead letter deleted by the running sweeper',
    });
    await b.stop();
    const sweeps = logged.filter((l) => l.msg.startsWith('deleted the dead letters replayed'));
    expect(sweeps).toEqual([
      {
        msg: expect.stringContaining('dead letters never replayed are kept'),
        obj: expect.objectContaining({ schema: SERVICE, deleted: 1, oldestReplayedAt: expect.any(String) }),
      },
    ]);
    expect(JSON.stringify(sweeps)).not.toContain('refuses payment');
  });
});

describe("a debtor's erasure reaching dead letters (real PostgreSQL)", () => {
  const h = new BackboneHarness(inProcessKind);
  const person = (n: string, phone: string) => ({
    tenantId: h.tenant,
    debtorId: `d-${n}`,
    accountId: `acct-${n}`,
    name: `Ana ${n} Pérez`,
    nationalId: phone.slice(-10),
    email: `${n}.mail@example.co`,
    phone,
  });
  const erased = person('olvido', '+573001119001');
  const kept = person('sigue', '+573001119002');
  const otherTenant = { ...person('olvido', '+573001119001'), tenantId: 'other-tenant' };

  /** The columns of the test tenant's dead letters that hold `needle`. */
  const deadLetterColumnsHolding = async (needle: string) => {
    const rows = (await h.ds.query(
      `WITH mine AS (SELECT * FROM ${SERVICE}.dead_letter WHERE tenant_id = $2)
       SELECT 'payload' AS c FROM mine WHERE position(convert_to($1, 'UTF8') in payload) > 0
       UNION SELECT 'error' FROM mine WHERE strpos(error, $1) > 0
       UNION SELECT 'headers' FROM mine WHERE strpos(headers::text, $1) > 0
       ORDER BY 1`,
      [needle, h.tenant],
    )) as { c: string }[];
    return rows.map((r) => r.c);
  };
  const holding = async (p: typeof erased) => ({
    name: await deadLetterColumnsHolding(p.name),
    nationalId: await deadLetterColumnsHolding(p.nationalId),
    email: await deadLetterColumnsHolding(p.email),
    phone: await deadLetterColumnsHolding(p.phone),
  });

  beforeAll(async () => {
    await h.open();
    await writePersonDeadLetters(h.ds, SERVICE, erased);
    await writePersonDeadLetters(h.ds, SERVICE, kept);
    await writePersonDeadLetters(h.ds, SERVICE, otherTenant);
  });
  afterAll(() => h.close());

  it("erases the payload, error and free headers of the dead letters of the debtor's and their accounts' records", async () => {
    const b = h.backbone();
    const before = {
      name: ['error', 'headers', 'payload'],
      nationalId: ['error', 'payload'],
      email: ['error', 'payload'],
      phone: ['error', 'payload'],
    };
    expect(await holding(erased)).toEqual(before);
    const n = await h.ds.transaction((tx) => b.deadLetters.erase(tx, h.tenant, [erased.debtorId, erased.accountId]));
    expect(n).toBe(2);
    const letters = (await b.deadLetters.list()).filter((d) => d.tenantId === h.tenant);
    expect(letters.map((d) => [d.type, d.error, d.erasedAt !== null])).toEqual([
      ['collections.ledger.v1.DebtorUpserted', 'erased', true],
      ['collections.ledger.v1.PaymentPosted', 'erased', true],
      ['collections.ledger.v1.DebtorUpserted', `contact point ${kept.email} refused: not a deliverable address`, false],
      ['collections.ledger.v1.PaymentPosted', expect.stringContaining(kept.name), false],
    ]);
    const [erasedRow] = (await h.ds.query(
      `SELECT payload, headers FROM ${SERVICE}.dead_letter WHERE tenant_id = $1 AND key = $2`,
      [h.tenant, erased.accountId],
    )) as { payload: Buffer | null; headers: Record<string, string> }[];
    expect(erasedRow.payload).toBeNull();
    expect(Object.keys(erasedRow.headers).sort()).toEqual(
      [
        'ce_id',
        'ce_source',
        'ce_specversion',
        'ce_subject',
        'ce_tenantid',
        'ce_time',
        'ce_type',
        'content-type',
      ].sort(),
    );
    expect(await holding(erased)).toEqual({ name: [], nationalId: [], email: [], phone: [] });
    expect(await holding(kept)).toEqual(before);
    // The same debtor and account ids in another tenant are another person's: untouched.
    const [{ n: otherTenants }] = (await h.ds.query(
      `SELECT count(*)::int AS n FROM ${SERVICE}.dead_letter WHERE tenant_id = 'other-tenant' AND erased_at IS NULL AND payload IS NOT NULL`,
    )) as { n: number }[];
    expect(otherTenants).toBe(2);
    await expect(b.deadLetters.replay(letters[0].id)).rejects.toThrow(/cannot be replayed: a debtor's erasure erased/);
    // Erasing again changes nothing.
    expect(await h.ds.transaction((tx) => b.deadLetters.erase(tx, h.tenant, [erased.debtorId]))).toBe(0);
  });
});
