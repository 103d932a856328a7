// Issue 8's chaos acceptance (the `chaos` project, which `npm test` runs last). Passed three times in
// a row opt-in on a loaded two-core machine after the fixes below (5 kills, 1 broker restart, ~2,700
// duplicates, 84 reordered; 21-22 contacts, one e-mail submission in doubt in the first run).
// What failed before, and what was done:
// - an e-mail to a US debtor who had withdrawn e-mail consent: the orchestrator takes a withdrawal
//   as an opt-out (`decisions/debtor-facts.consumer.ts`);
// - an e-mail row stuck `sending` with every due row behind it `pending`: this test's SMTP catcher
//   missed a message's final dot when it arrived in a TCP chunk of its own (nodemailer writes it
//   separately) and never answered, and nodemailer waits ten minutes for a silent server. The
//   catcher now finds the terminator across chunks; the provider's waits are finite (60 s of
//   silence at most) and the dispatcher reconciles rows left `sending` on every tick, with lock
//   and statement timeouts on its transactions (`services/orchestrator/src/dispatch/README.md`);
// - a row `sent` with no message caught: the same stall with the orchestrator killed inside it,
//   and the e-mail at-most-once guarantee, which the test now asserts as the product states it
//   (`services/orchestrator/src/channels/README.md`): SMS and WhatsApp one message per sent row,
//   e-mail at most one, a sent e-mail row without one only when its submission is `in-doubt`, and
//   no more of those than kills of the orchestrator;
// - reporting counting a payment twice, or replayed KPIs differing from live ones: not seen in the
//   passing runs (the reporting projection takes a per-tenant lock since). On a failure to settle the contacts the test prints the stuck rows' send records, the
//   database sessions not idle and what blocks them, and both orchestrator processes' log lines.
// Alone: `npm test -- --selectProjects chaos` (8-20 minutes here).
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { Kafka, logLevel } from 'kafkajs';
import { Client } from 'pg';
import { EVENTS, ledger, promises, reconciliation, reporting } from '@collections/contracts';
import { grpcClient } from '@collections/platform';
import {
  OwnKafkaBroker,
  RunningProcess,
  TestDatabase,
  createTestDatabase,
  freePort,
  newTenant,
  startOwnKafkaBroker,
  startProcess,
  waitFor,
  waitForHttp,
} from '../src';
import { CaughtContact, startProviderStandIns, startSmtpReceiver } from './support/chaos-catchers';

/**
 * Chaos over the distributed platform: the five services as processes over a Kafka broker of the
 * test's own (never the shared one) and PostgreSQL, driven through their public APIs while each
 * service is SIGKILLed and restarted, the broker is restarted, and records are delivered again
 * (copies of what was consumed, and a batch of one topic re-produced in reverse order).
 * Afterwards the money, the contacts and the KPIs must be as if nothing had happened.
 */
const REPO = join(__dirname, '..', '..', '..');
const SERVICES = ['ledger', 'scoring', 'orchestrator', 'promises', 'reporting'] as const;
type Service = (typeof SERVICES)[number];
const ACCOUNTS = 24;
const ROUNDS = 5;
const MIN_DUPLICATES = 1_000;
/** The orchestrator's dispatch lanes (its default): a kill may leave one e-mail submission in doubt in each. */
const DISPATCH_LANES = 4;
const CURRENCY = 'USD';
const CHARGE_MINOR = 100_000;
const T0 = Date.now();
/** Where the run is (stderr), so a slow phase on a busy machine can be told from a stuck one. */
const progress = (what: string) => process.stderr.write(`[chaos +${Math.round((Date.now() - T0) / 1000)}s] ${what}\n`);
const PREFIX = `chaos${randomBytes(3).toString('hex')}.`;
/**
 * A contact row not yet sent that is due now or soon: in flight, or pending and due within two
 * minutes. A send that failed before any provider answered (the ledger killed under it) is retried
 * a minute later, and a reminder deferred that way is still today's reminder the test waits for.
 */
const UNSENT_SOON = `(status = 'sending' OR (status = 'pending' AND due_at <= now() + interval '2 minutes'))`;

/** A zone whose local time is near 13:00 now (inside Regulation F's 08:00–21:00 for hours either side). */
function zoneNearMidday(now = new Date()): string {
  let offset = 13 - now.getUTCHours();
  if (offset > 14) offset -= 24;
  if (offset < -12) offset += 24;
  // Etc/GMT signs are inverted: Etc/GMT-5 is UTC+5.
  return offset === 0 ? 'Etc/UTC' : `Etc/GMT${offset > 0 ? '-' : '+'}${Math.abs(offset)}`;
}

function localDate(zone: string, plusDays = 0, now = new Date()): string {
  const d = new Date(now.getTime() + plusDays * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    d,
  );
}

const isTransient = (err: unknown) => {
  const code = (err as { code?: number }).code;
  // CANCELLED, UNKNOWN, DEADLINE_EXCEEDED, INTERNAL, UNAVAILABLE: the process died under the call.
  return code === undefined || [1, 2, 4, 13, 14].includes(code);
};

/** Retries a call that carries its own idempotency (a key, an upsert, the same file bytes) until it succeeds. */
async function retrying<T>(what: string, fn: () => Promise<T>, withinMs = 180_000): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (!isTransient(err) || Date.now() > deadline)
        throw new Error(`${what}: ${(err as Error).message ?? String(err)}`);
      await new Promise((r) => setTimeout(r, Math.min(1_000, 100 * (attempt + 1))));
    }
  }
}

describe('chaos: services killed, the broker restarted, records redelivered and reordered', () => {
  const tenant = newTenant();
  const zone = zoneNearMidday();
  const today = localDate(zone);
  const processes = new Map<Service, RunningProcess>();
  /** The process each kill ended, for its output when something is stuck afterwards. */
  const killed = new Map<Service, RunningProcess>();
  const ports = new Map<Service, { http: number; grpc: number }>();
  const caught: CaughtContact[] = [];
  const injected = { kills: 0, restarts: 0, brokerRestarts: 0, duplicates: 0, reordered: 0 };
  const killsOf = Object.fromEntries(SERVICES.map((s) => [s, 0])) as Record<Service, number>;
  let broker: OwnKafkaBroker;
  let db: TestDatabase;
  let smtp: Awaited<ReturnType<typeof startSmtpReceiver>>;
  let providers: Awaited<ReturnType<typeof startProviderStandIns>>;
  let env: Record<string, string>;
  let pg: Client;

  const md = () => {
    const m = new Metadata();
    m.set('x-api-key', tenant.apiKey);
    return m;
  };
  const grpcAt = (s: Service) => `127.0.0.1:${ports.get(s)!.grpc}`;
  const httpAt = (s: Service) => `http://127.0.0.1:${ports.get(s)!.http}`;

  function start(name: Service, extra: Record<string, string> = {}): RunningProcess {
    const p = startProcess(name, process.execPath, [join(REPO, `services/${name}/dist/main.js`)], {
      ...env,
      HTTP_PORT: String(ports.get(name)!.http),
      GRPC_PORT: String(ports.get(name)!.grpc),
      ...extra,
    });
    processes.set(name, p);
    return p;
  }

  async function killAndRestart(name: Service): Promise<void> {
    progress(`SIGKILL ${name}`);
    const victim = processes.get(name)!;
    await victim.kill(); // SIGKILL: no shutdown hook runs
    killed.set(name, victim);
    injected.kills += 1;
    killsOf[name] += 1;
    const p = start(name);
    injected.restarts += 1;
    await waitForHttp(p, `${httpAt(name)}/ready`, 300_000);
    progress(`${name} restarted`);
  }

  beforeAll(async () => {
    pg = new Client({ connectionString: process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' });
    [broker, db, smtp, providers] = await Promise.all([
      startOwnKafkaBroker(),
      createTestDatabase(undefined, 'chaos'),
      startSmtpReceiver((c) => caught.push(c)),
      startProviderStandIns((c) => caught.push(c)),
    ]);
    pg = new Client({ connectionString: db.url });
    await pg.connect();
    for (const s of SERVICES) ports.set(s, { http: await freePort(), grpc: await freePort() });
    env = {
      DATABASE_URL: db.url,
      KAFKA_BROKERS: broker.brokers,
      KAFKA_TOPIC_PREFIX: PREFIX,
      KAFKA_SESSION_TIMEOUT_MS: '10000',
      HTTP_HOST: '127.0.0.1',
      GRPC_HOST: '127.0.0.1',
      API_KEYS: tenant.apiKeys,
      LOG_LEVEL: 'warn',
      PROMISES_LEDGER_API_KEYS: tenant.apiKeys,
      PROMISES_SCORING_API_KEYS: tenant.apiKeys,
      ORCHESTRATOR_LEDGER_API_KEYS: tenant.apiKeys,
      PROMISES_LEDGER_GRPC_ADDRESS: grpcAt('ledger'),
      PROMISES_SCORING_GRPC_ADDRESS: grpcAt('scoring'),
      ORCHESTRATOR_LEDGER_GRPC_ADDRESS: grpcAt('ledger'),
      PAYMENT_LINK_SECRET: randomBytes(32).toString('base64url'),
      ORCHESTRATOR_DISPATCH_CHECK_MS: '1000',
      ORCHESTRATOR_DISPATCH_CONCURRENCY: String(DISPATCH_LANES),
      // The clock-driven jobs stay off: events they would add between the live KPIs and the
      // replay would make the two differ for a reason that is not chaos.
      REPORTING_FORECAST_SNAPSHOT_CHECK_MS: '0',
      LEDGER_DELINQUENCY_CHECK_MS: '0',
      PROMISES_DAILY_RUN_CHECK_MS: '0',
      ORCHESTRATOR_PLANNING_CHECK_MS: '0',
      ...smtp.env,
      ...providers.env,
    };
    for (const s of SERVICES) start(s);
    await Promise.all(SERVICES.map((s) => waitForHttp(processes.get(s)!, `${httpAt(s)}/ready`, 180_000)));
  }, 400_000);

  afterAll(async () => {
    await Promise.all([...processes.values()].map((p) => p.stop(5_000)));
    await pg?.end().catch(() => undefined);
    await Promise.all([smtp?.close(), providers?.close()]);
    await broker?.stop();
    await db?.drop();
  }, 120_000);

  it('keeps the money, the contacts and the KPIs exact through kills, a broker restart and redeliveries', async () => {
    const ledgerApi = grpcClient(ledger.LedgerServiceService, grpcAt('ledger'), { deadlineMs: 30_000 });
    const recon = grpcClient(reconciliation.ReconciliationServiceService, grpcAt('ledger'), { deadlineMs: 60_000 });
    const promisesApi = grpcClient(promises.PromisesServiceService, grpcAt('promises'), { deadlineMs: 30_000 });
    const accounts = Array.from({ length: ACCOUNTS }, (_, i) => ({
      i,
      accountId: `acct-${i}`,
      debtorId: `debtor-${i}`,
      externalRef: `CHX-${1000 + i}`,
      email: `debtor${i}@chaos.example.com`,
      phone: `+1202555${String(1000 + i)}`,
    }));
    // The first half is chased (no payments until the end), the second half pays; a few of the
    // chased carry a dispute hold or an e-mail opt-out the contacts must respect.
    const chased = accounts.slice(0, ACCOUNTS / 2);
    const paying = accounts.slice(ACCOUNTS / 2);
    const disputed = new Set([chased[0].debtorId, chased[1].debtorId]);
    const emailOptedOut = new Set([chased[2].debtorId, chased[3].debtorId]);
    const paid = new Map<string, number>(); // account → Σ payments sent
    const bankRefs: string[] = [];
    const gatewayKeys: string[] = [];

    // --- onboarding: a strategy, debtors, accounts, a charge and a statement due in three days
    await retrying('strategy', async () => {
      const res = await fetch(`${httpAt('orchestrator')}/v1/orchestrator/strategies/chaos`, {
        method: 'PUT',
        headers: { 'x-api-key': tenant.apiKey, 'content-type': 'application/json' },
        body: JSON.stringify({
          name: 'Chaos: a reminder three days before the due date',
          priority: 100,
          entry: { daysPastDue: { min: -5 } },
          // One reminder three days before the due date, on a channel the account's arm picks
          // (e-mail falls back to SMS for a debtor who opted out of e-mail).
          arms: [
            {
              id: 'email',
              weight: 34,
              steps: [
                {
                  id: 'email',
                  channel: 'email',
                  template: 'reminder',
                  offset: { from: 'due_date', days: -3 },
                  fallbackChannel: 'sms',
                },
              ],
            },
            {
              id: 'sms',
              weight: 33,
              steps: [{ id: 'sms', channel: 'sms', template: 'reminder', offset: { from: 'due_date', days: -3 } }],
            },
            {
              id: 'wa',
              weight: 33,
              steps: [{ id: 'wa', channel: 'whatsapp', template: 'reminder', offset: { from: 'due_date', days: -3 } }],
            },
          ],
          stopConditions: ['payment', 'promise', 'dispute', 'opt_out', 'hold'],
        }),
      });
      if (!res.ok) throw Object.assign(new Error(`PUT strategy ${res.status}: ${await res.text()}`), { code: 3 });
    });
    await Promise.all(
      accounts.map(async (a) => {
        await retrying('upsertDebtor', () =>
          ledgerApi.upsertDebtor(
            {
              debtor: {
                debtorId: a.debtorId,
                kind: 'person',
                displayName: `Debtor ${a.i}`,
                nationalId: '',
                contactPoints: [
                  { type: 'email', value: a.email, verified: true, consentedChannels: ['email'] },
                  { type: 'phone', value: a.phone, verified: true, consentedChannels: ['sms', 'whatsapp', 'call'] },
                ],
                timeZone: zone,
                language: 'en',
                country: 'US',
                region: '',
              },
            },
            md(),
          ),
        );
        if (disputed.has(a.debtorId))
          await retrying('setHold', () =>
            ledgerApi.setHold(
              {
                debtorId: a.debtorId,
                kind: ledger.HoldKind.HOLD_KIND_DISPUTE,
                source: 'debtor',
                startsOn: localDate(zone, -1),
                endsOn: '',
                idempotencyKey: `chaos:${a.debtorId}:dispute`,
                bankruptcyChapter: ledger.BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED,
              },
              md(),
            ),
          );
        if (emailOptedOut.has(a.debtorId))
          await retrying('recordConsent', () =>
            ledgerApi.recordConsent({ debtorId: a.debtorId, channel: 'email', granted: false, source: 'debtor' }, md()),
          );
        await retrying('openAccount', () =>
          ledgerApi
            .openAccount(
              {
                accountId: a.accountId,
                externalRef: a.externalRef,
                product: ledger.Product.PRODUCT_CREDIT_CARD,
                currency: CURRENCY,
                creditLimitMinor: 500_000,
                openedOn: localDate(zone, -1),
                debtors: [{ debtorId: a.debtorId, role: ledger.DebtorRole.DEBTOR_ROLE_PRIMARY }],
                timeZone: zone,
              },
              md(),
            )
            .catch((err: { code?: number }) => {
              if (err.code !== 6) throw err; // ALREADY_EXISTS: an earlier attempt went through
            }),
        );
        await retrying('postCharge', () =>
          ledgerApi.postCharge(
            {
              accountId: a.accountId,
              kind: ledger.EntryKind.ENTRY_KIND_CHARGE,
              amount: { amountMinor: CHARGE_MINOR, currency: CURRENCY },
              idempotencyKey: `chaos:${a.accountId}:charge`,
              effectiveDate: localDate(zone, -1),
              memo: 'statement 1',
            },
            md(),
          ),
        );
      }),
    );

    // --- the rounds: each posts payments (gateway and a bank file) and promises while one service
    // is killed and restarted under it; the broker restarts in the middle of round 3
    const victims: Service[] = [...SERVICES];
    for (let round = 0; round < ROUNDS; round++) {
      const work = (async () => {
        if (round === 0)
          // Statements (due in three days) start the chase; issued under the first kill.
          await Promise.all(
            accounts.map((a) =>
              retrying('issueStatement', () =>
                ledgerApi
                  .issueStatement(
                    {
                      accountId: a.accountId,
                      cycle: 1,
                      statementDate: today,
                      dueDate: localDate(zone, 3),
                      amountDue: { amountMinor: CHARGE_MINOR, currency: CURRENCY },
                      minimumDue: { amountMinor: 10_000, currency: CURRENCY },
                    },
                    md(),
                  )
                  .catch((err: { code?: number }) => {
                    if (err.code !== 6) throw err;
                  }),
              ),
            ),
          );
        const half = paying.filter((a) => (a.i + round) % 2 === 0);
        const rest = paying.filter((a) => (a.i + round) % 2 === 1);
        await Promise.all(
          half.map(async (a) => {
            const amount = 1_000 + round * 10 + a.i;
            const key = `chaos:${a.accountId}:gw:${round}`;
            await retrying('postPayment', () =>
              ledgerApi.postPayment(
                {
                  accountId: a.accountId,
                  amount: { amountMinor: amount, currency: CURRENCY },
                  idempotencyKey: key,
                  reference: `gw-${round}-${a.i}`,
                  effectiveDate: '',
                },
                md(),
              ),
            );
            gatewayKeys.push(key);
            paid.set(a.accountId, (paid.get(a.accountId) ?? 0) + amount);
          }),
        );
        const lines = rest.map((a) => {
          const amount = 2_000 + round * 10 + a.i;
          const ref = `bank-${round}-${a.i}`;
          bankRefs.push(ref);
          paid.set(a.accountId, (paid.get(a.accountId) ?? 0) + amount);
          return `${today},${today},${(amount / 100).toFixed(2)},${CURRENCY},pago ${a.externalRef},,${ref}`;
        });
        const csv = Buffer.from(
          ['booking_date,value_date,amount,currency,reference,counterparty_account,bank_reference', ...lines, ''].join(
            '\n',
          ),
        );
        const imported = await retrying('importStatement', () =>
          recon.importStatement(
            {
              content: csv,
              kind: reconciliation.StatementFileKind.STATEMENT_FILE_KIND_BANK_CSV,
              name: `bank-${round}.csv`,
            },
            md(),
          ),
        );
        expect({ round, matched: imported.matched }).toEqual({ round, matched: lines.length });
        const promising = paying.filter((a) => a.i % ROUNDS === round);
        await Promise.all(
          promising.map((a) =>
            retrying('createPromise', () =>
              promisesApi.createPromise(
                {
                  accountId: a.accountId,
                  amount: { amountMinor: 5_000, currency: CURRENCY },
                  dueDate: localDate(zone, 7),
                  idempotencyKey: `chaos:${a.accountId}:promise`,
                },
                md(),
              ),
            ),
          ),
        );
      })();
      const chaos = (async () => {
        await new Promise((r) => setTimeout(r, 300));
        await killAndRestart(victims[round]);
        if (round === 2) {
          progress('restarting the broker');
          await broker.restart();
          progress('broker restarted');
          injected.brokerRestarts += 1;
        }
      })();
      await Promise.all([work, chaos]);
      if (round === 3) {
        // Redeliveries while the platform is still moving: copies of everything consumed so far.
        const d = await redeliver();
        injected.duplicates += d.duplicates;
        injected.reordered += d.reordered;
      }
    }

    // --- a last redelivery after everything, then the platform catches up
    const last = await redeliver();
    injected.duplicates += last.duplicates;
    injected.reordered += last.reordered;
    progress(`injected ${JSON.stringify(injected)}; waiting for the platform to catch up`);
    await settled();
    await waitFor(() => contactsSettled(), { timeoutMs: 240_000, intervalMs: 500, message: 'contacts sent' }).catch(
      async (err: unknown) => {
        // What is stuck, and what the orchestrator said: a failure here must be diagnosable from CI's log.
        const stuck = await pg.query(
          `SELECT id::text, channel, status, due_at, step_id FROM orchestrator.contact_schedule
            WHERE tenant_id = $1 AND ${UNSENT_SOON}`,
          [tenant.tenant],
        );
        progress(`stuck schedule rows: ${JSON.stringify(stuck.rows)}`);
        const ids = (stuck.rows as { id: string }[]).map((r) => r.id);
        const records = await pg.query(
          `SELECT 'email_submission' AS t, idempotency_key AS key, state AS status FROM orchestrator.email_submission
            WHERE tenant_id = $1 AND idempotency_key = ANY ($2)
           UNION ALL SELECT 'channel_delivery', idempotency_key, status FROM orchestrator.channel_delivery
            WHERE tenant_id = $1 AND idempotency_key = ANY ($2)`,
          [tenant.tenant, ids],
        );
        progress(`their send records: ${JSON.stringify(records.rows)}`);
        const sessions = await pg.query(
          `SELECT pid, state, wait_event_type, wait_event, now() - xact_start AS in_xact, pg_blocking_pids(pid) AS blocked_by,
                  left(query, 160) AS query
             FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()
              AND (state <> 'idle' OR wait_event_type = 'Lock')`,
        );
        progress(`database sessions not idle: ${JSON.stringify(sessions.rows)}`);
        // kafkajs' own retries would fill the tail: the orchestrator's own lines.
        const own = (p?: RunningProcess) =>
          (p?.output() ?? '')
            .split('\n')
            .filter((l) => !l.includes('"kafkajs":{'))
            .join('\n')
            .slice(-6000);
        progress(`killed orchestrator's output:\n${own(killed.get('orchestrator'))}`);
        progress(`orchestrator output:\n${own(processes.get('orchestrator'))}`);
        throw err;
      },
    );
    await settled();

    // ---- the ledger balances: every entry's debits equal its credits, and so does the tenant's
    // journal per currency; each account's cached balance equals its journal and our own sum
    const unbalanced = await pg.query(
      `SELECT e.id FROM ledger.journal_entry e JOIN ledger.journal_line l ON l.tenant_id = e.tenant_id AND l.entry_id = e.id
        WHERE e.tenant_id = $1 GROUP BY e.id HAVING sum(l.debit_minor) <> sum(l.credit_minor)`,
      [tenant.tenant],
    );
    expect(unbalanced.rows).toEqual([]);
    const totals = await pg.query(
      `SELECT e.currency, sum(l.debit_minor)::text AS debits, sum(l.credit_minor)::text AS credits
         FROM ledger.journal_entry e JOIN ledger.journal_line l ON l.tenant_id = e.tenant_id AND l.entry_id = e.id
        WHERE e.tenant_id = $1 GROUP BY e.currency`,
      [tenant.tenant],
    );
    for (const t of totals.rows as { debits: string; credits: string }[]) expect(t.debits).toEqual(t.credits);
    const recomputed = await pg.query(
      `SELECT a.id, (a.principal_minor + a.interest_minor + a.fees_minor)::text AS cached,
              coalesce((SELECT sum(l.debit_minor - l.credit_minor) FROM ledger.journal_entry e
                          JOIN ledger.journal_line l ON l.tenant_id = e.tenant_id AND l.entry_id = e.id
                         WHERE e.tenant_id = a.tenant_id AND e.account_id = a.id
                           AND l.ledger_account LIKE 'receivable:%'), 0)::text AS journal
         FROM ledger.account a WHERE a.tenant_id = $1 ORDER BY a.id`,
      [tenant.tenant],
    );
    const expectedBalances = Object.fromEntries(
      accounts.map((a) => [a.accountId, String(CHARGE_MINOR - (paid.get(a.accountId) ?? 0))]),
    );
    expect(
      Object.fromEntries((recomputed.rows as { id: string; cached: string }[]).map((r) => [r.id, r.cached])),
    ).toEqual(expectedBalances);
    expect(
      Object.fromEntries((recomputed.rows as { id: string; journal: string }[]).map((r) => [r.id, r.journal])),
    ).toEqual(expectedBalances);
    for (const a of accounts) {
      const b = await ledgerApi.getBalance({ accountId: a.accountId, asOfDate: '' }, md());
      expect({ account: a.accountId, balance: Number(b.balance?.amountMinor) }).toEqual({
        account: a.accountId,
        balance: Number(expectedBalances[a.accountId]),
      });
    }

    // ---- every bank statement line and gateway payment is applied exactly once
    const payments = await pg.query(
      `SELECT reference, idempotency_key, count(*)::int AS n FROM ledger.journal_entry
        WHERE tenant_id = $1 AND kind = $2 GROUP BY reference, idempotency_key`,
      [tenant.tenant, ledger.EntryKind.ENTRY_KIND_PAYMENT],
    );
    const byReference = new Map<string, number>();
    for (const r of payments.rows as { reference: string; n: number }[])
      byReference.set(r.reference, (byReference.get(r.reference) ?? 0) + r.n);
    expect(bankRefs.filter((ref) => byReference.get(ref) !== 1)).toEqual([]);
    const byKey = new Set((payments.rows as { idempotency_key: string }[]).map((r) => r.idempotency_key));
    expect(gatewayKeys.filter((k) => !byKey.has(k))).toEqual([]);
    expect([...byReference.values()].reduce((s, n) => s + n, 0)).toBe(bankRefs.length + gatewayKeys.length);

    // ---- promises saw each payment once: a promise's paid amount is what its account paid after it
    // (bounded by what the ledger holds), never a redelivered payment counted twice
    const promiseRows = await pg.query(
      `SELECT p.account_id, p.paid_minor::text AS paid FROM promises.promise p WHERE p.tenant_id = $1`,
      [tenant.tenant],
    );
    for (const r of promiseRows.rows as { account_id: string; paid: string }[])
      expect({ account: r.account_id, within: Number(r.paid) <= (paid.get(r.account_id) ?? 0) }).toEqual({
        account: r.account_id,
        within: true,
      });

    // ---- contacts: at most one message per schedule row, and each one allowed by the contact law
    const keys = new Map<string, number>();
    for (const c of caught) keys.set(`${c.channel}:${c.key}`, (keys.get(`${c.channel}:${c.key}`) ?? 0) + 1);
    const twice = [...keys].filter(([, n]) => n > 1);
    expect(twice).toEqual([]);
    const sentRows = await pg.query(
      `SELECT id::text, account_id, debtor_id, channel, step_id, sent_at FROM orchestrator.contact_schedule
        WHERE tenant_id = $1 AND status = 'sent'`,
      [tenant.tenant],
    );
    const rowIds = new Set((sentRows.rows as { id: string }[]).map((r) => r.id));
    // SMS and WhatsApp carry `<tenant>:<row id>` (a provider's keys are global), e-mail the row id.
    const rowOf = (c: CaughtContact) => c.key.slice(c.key.lastIndexOf(':') + 1);
    expect(caught.filter((c) => !rowIds.has(rowOf(c))).map((c) => `${c.channel}:${c.key}`)).toEqual([]);
    // What the product guarantees (services/orchestrator/src/channels/README.md): SMS and WhatsApp
    // once per row (the provider takes the row's key); e-mail at most once, since SMTP takes no key:
    // a submission the orchestrator was killed inside is recorded `in-doubt` and counts as sent,
    // whether or not the message reached the server. Every other sent row has its message.
    const inDoubt = await pg.query(
      `SELECT idempotency_key FROM orchestrator.email_submission WHERE tenant_id = $1 AND state = 'in-doubt'`,
      [tenant.tenant],
    );
    const doubted = new Set((inDoubt.rows as { idempotency_key: string }[]).map((r) => r.idempotency_key));
    const caughtRows = new Set(caught.map(rowOf));
    expect(
      (sentRows.rows as { id: string; channel: string }[])
        .filter((r) => !caughtRows.has(r.id) && !(r.channel === 'email' && doubted.has(r.id)))
        .map((r) => `${r.channel}:${r.id}`),
    ).toEqual([]);
    // Only a kill of the orchestrator leaves a submission in doubt, at most those it was inside:
    // one per dispatch lane (different debtors' rows are sent side by side).
    expect(doubted.size).toBeLessThanOrEqual(killsOf.orchestrator * DISPATCH_LANES);
    if (caught.length === 0) progress(`no contact was sent; the planner's view: ${await plannerView()}`);
    expect(caught.length).toBeGreaterThan(0);
    const decisions = await policyDecisions(
      caught,
      accounts.map((a) => ({ ...a, held: disputed.has(a.debtorId), optedOut: emailOptedOut.has(a.debtorId) })),
    );
    expect(decisions.filter((d) => !d.allowed)).toEqual([]);

    // ---- reporting: the KPIs equal those of a fresh read model replayed from the topics' beginning
    const kpiRequest = {
      fromDate: localDate('Etc/UTC', -3),
      toDate: localDate('Etc/UTC', 3),
      segment: '',
      modelVersion: '',
      channel: '',
      currency: CURRENCY,
    };
    const live = await kpisOf(grpcAt('reporting'), kpiRequest);
    const collected = live.find((k) => k.name === 'collected_minor');
    expect(collected?.value).toBe([...paid.values()].reduce((s, n) => s + n, 0));
    progress('replaying reporting from the beginning');
    const replayed = await replayReporting(kpiRequest);
    expect(replayed).toEqual(live);

    const figures = {
      kills: injected.kills,
      restarts: injected.restarts,
      brokerRestarts: injected.brokerRestarts,
      duplicates: injected.duplicates,
      reordered: injected.reordered,
      contacts: caught.length,
      emailInDoubt: doubted.size,
      providerRetriesAbsorbed: providers.repeatedKeys(),
      bankLines: bankRefs.length,
      gatewayPayments: gatewayKeys.length,
    };
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    expect(injected.kills).toBeGreaterThanOrEqual(5);
    expect(injected.brokerRestarts).toBeGreaterThanOrEqual(1);
    expect(injected.duplicates).toBeGreaterThanOrEqual(MIN_DUPLICATES);
    expect(injected.reordered).toBeGreaterThan(0);

    for (const c of [ledgerApi, recon, promisesApi]) c.close();
  }, 1_500_000);

  /**
   * Reads every record on the platform's topics from the beginning with a raw consumer of its own
   * group and produces copies of them again (same key, headers and payload, so the same event id);
   * then re-produces one partition's batch of the payment topic in reverse order.
   */
  async function redeliver(): Promise<{ duplicates: number; reordered: number }> {
    const kafka = new Kafka({ clientId: 'chaos', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    const topics = [...new Set(Object.values(EVENTS).map((e) => `${PREFIX}${e.topic}`))];
    const existing = new Set(await admin.listTopics());
    const wanted = topics.filter((t) => existing.has(t));
    const ends = new Map<string, number>();
    for (const t of wanted)
      for (const p of await admin.fetchTopicOffsets(t)) ends.set(`${t}:${p.partition}`, Number(p.high));
    await admin.disconnect();
    const total = [...ends.values()].reduce((s, n) => s + n, 0);
    type Copy = { topic: string; partition: number; key: Buffer | null; value: Buffer | null; headers: never };
    const records: Copy[] = [];
    // Its group carries the run's prefix like every topic and group this test touches.
    const consumer = kafka.consumer({ groupId: `${PREFIX}redeliver-${randomBytes(4).toString('hex')}` });
    await consumer.connect();
    await consumer.subscribe({ topics: wanted, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ topic, partition, message }) => {
        if (Number(message.offset) < (ends.get(`${topic}:${partition}`) ?? 0))
          records.push({ topic, partition, key: message.key, value: message.value, headers: message.headers as never });
      },
    });
    await waitFor(() => records.length >= total, { timeoutMs: 120_000, message: `reading ${total} records` });
    await consumer.disconnect();
    const producer = kafka.producer();
    await producer.connect();
    const copies = Math.max(1, Math.ceil(MIN_DUPLICATES / Math.max(1, records.length)));
    let duplicates = 0;
    for (let c = 0; c < copies; c++) {
      for (let i = 0; i < records.length; i += 500) {
        const chunk = records.slice(i, i + 500);
        const byTopic = new Map<string, Copy[]>();
        for (const r of chunk) byTopic.set(r.topic, [...(byTopic.get(r.topic) ?? []), r]);
        await producer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, list]) => ({
            topic,
            messages: list.map((r) => ({ partition: r.partition, key: r.key, value: r.value, headers: r.headers })),
          })),
        });
        duplicates += chunk.length;
      }
    }
    // Reordered redelivery: the payment topic's busiest partition, its records again newest first.
    const paymentTopic = `${PREFIX}${EVENTS['collections.ledger.v1.PaymentPosted'].topic}`;
    const byPartition = new Map<number, Copy[]>();
    for (const r of records.filter((x) => x.topic === paymentTopic))
      byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
    const busiest = [...byPartition.values()].sort((a, b) => b.length - a.length)[0] ?? [];
    const reversed = [...busiest].reverse();
    if (reversed.length > 0)
      await producer.send({
        topic: paymentTopic,
        acks: -1,
        messages: reversed.map((r) => ({ partition: r.partition, key: r.key, value: r.value, headers: r.headers })),
      });
    await producer.disconnect();
    return { duplicates, reordered: reversed.length };
  }

  /** Every service's own word (its /metrics): nothing left in an outbox, no consumer behind. */
  async function settled(): Promise<void> {
    let quietInARow = 0;
    /** The last poll's lines that were not 0, by service: what a failure here was waiting for. */
    let behind: string[] = [];
    await waitFor(
      async () => {
        let pending = 0;
        behind = [];
        for (const s of SERVICES) {
          const text = await (await fetch(`${httpAt(s)}/metrics`)).text();
          for (const line of text.split('\n'))
            if (line.startsWith('collections_outbox_backlog{') || line.startsWith('collections_consumer_lag{')) {
              const n = Number(line.slice(line.lastIndexOf(' ') + 1));
              pending += n;
              if (n !== 0) behind.push(`${s}: ${line}`);
            }
        }
        quietInARow = pending === 0 ? quietInARow + 1 : 0;
        return quietInARow >= 3;
      },
      { timeoutMs: 240_000, intervalMs: 500, message: 'the platform caught up' },
    ).catch((err: unknown) => {
      // A failure here must be diagnosable from CI's log: what was behind, and what the services behind said.
      progress(`still behind: ${JSON.stringify(behind)}`);
      for (const s of new Set(behind.map((b) => b.slice(0, b.indexOf(':')))))
        progress(`${s} output:\n${(processes.get(s as Service)?.output() ?? '').slice(-6000)}`);
      throw err;
    });
  }

  /** What the orchestrator's planner holds for the chased accounts: a failure to contact must be diagnosable from CI's log. */
  async function plannerView(): Promise<string> {
    const accounts = await pg.query(
      `SELECT account_id, due_date, balance_minor, balance_known, days_past_due, promise_active, strategy_id, arm_id,
              steps_done, steps_failed, planned_at
         FROM orchestrator.planner_account WHERE tenant_id = $1 ORDER BY account_id`,
      [tenant.tenant],
    );
    const parties = await pg.query(
      `SELECT a.account_id, p.country, p.time_zone FROM orchestrator.account_party a
         LEFT JOIN orchestrator.debtor_profile p ON p.tenant_id = a.tenant_id AND p.debtor_id = a.debtor_id
        WHERE a.tenant_id = $1 ORDER BY a.account_id`,
      [tenant.tenant],
    );
    const schedule = await pg.query(
      `SELECT account_id, channel, status, due_at, cancel_reason FROM orchestrator.contact_schedule WHERE tenant_id = $1`,
      [tenant.tenant],
    );
    const decisions = await pg.query(
      `SELECT account_id, channel, allowed, reasons, caused_by_event FROM orchestrator.contact_decision
        WHERE tenant_id = $1 ORDER BY decided_at`,
      [tenant.tenant],
    );
    return JSON.stringify({
      accounts: accounts.rows,
      parties: parties.rows,
      schedule: schedule.rows,
      decisions: decisions.rows,
    });
  }

  /** No contact row is unsent and due now or soon (`UNSENT_SOON`). */
  async function contactsSettled(): Promise<boolean> {
    const r = await pg.query(
      `SELECT count(*)::int AS n FROM orchestrator.contact_schedule
        WHERE tenant_id = $1 AND ${UNSENT_SOON}`,
      [tenant.tenant],
    );
    return (r.rows[0] as { n: number }).n === 0;
  }

  async function kpisOf(address: string, request: reporting.GetKpisRequest) {
    const client = grpcClient(reporting.ReportingServiceService, address, { deadlineMs: 60_000 });
    try {
      const res = await retrying('getKpis', () => client.getKpis(request, md()));
      return res.kpis.map((k) => ({ name: k.name, value: k.value, inputs: k.inputs }));
    } finally {
      client.close();
    }
  }

  /**
   * A fresh reporting read model: the reporting process stops, its consumer group is deleted, and
   * a new reporting process on an empty schema replays every topic from the beginning.
   */
  async function replayReporting(request: reporting.GetKpisRequest) {
    await processes.get('reporting')!.stop();
    const kafka = new Kafka({ clientId: 'chaos-admin', brokers: [broker.brokers], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    await retrying('deleteGroups', () => admin.deleteGroups([`${PREFIX}reporting`]).then(() => undefined), 60_000);
    await admin.disconnect();
    const p = start('reporting', { DB_SCHEMA: 'reporting_replay' });
    await waitForHttp(p, `${httpAt('reporting')}/ready`, 300_000);
    await settled();
    return kpisOf(grpcAt('reporting'), request);
  }

  /** The contact law (`npm run policy:evaluate`'s engine) on each contact at its send time, with the history before it. */
  async function policyDecisions(
    contacts: CaughtContact[],
    debtors: { accountId: string; debtorId: string; email: string; phone: string; held: boolean; optedOut: boolean }[],
  ): Promise<{ id: string; allowed: boolean; reasons: string[] }[]> {
    const byAddress = new Map<string, (typeof debtors)[number]>();
    for (const d of debtors) {
      byAddress.set(d.email.toLowerCase(), d);
      byAddress.set(d.phone, d);
    }
    const ordered = [...contacts].sort((a, b) => a.at.getTime() - b.at.getTime());
    const lines = ordered.map((c, n) => {
      const d = byAddress.get(c.to.replace(/^whatsapp:/, '').replace(/^(?![+@])(?=\d)/, '+'));
      if (!d) return JSON.stringify({ id: `unknown-recipient-${n}` });
      const history = ordered
        .slice(0, n)
        .filter((h) => byAddress.get(h.to.replace(/^whatsapp:/, '').replace(/^(?![+@])(?=\d)/, '+')) === d)
        .map((h) => ({ channel: h.channel, at: h.at.toISOString(), outcome: 'delivered', debtId: d.accountId }));
      return JSON.stringify({
        id: `${c.channel}:${c.key}`,
        jurisdiction: 'US',
        timezone: zone,
        channel: c.channel,
        at: c.at.toISOString(),
        debtId: d.accountId,
        history,
        consent: d.optedOut ? ['sms', 'whatsapp', 'call'] : ['email', 'sms', 'whatsapp', 'call'],
        optedOut: d.optedOut ? ['email'] : [],
        holds: d.held ? ['dispute'] : [],
      });
    });
    const child = spawn(
      process.execPath,
      [join(REPO, 'services/orchestrator/dist/policy/cli/evaluate.js'), '--cases', '-'],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stdin.end(lines.join('\n') + '\n');
    await new Promise((resolve) => child.once('exit', resolve));
    return out
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { id: string; allowed: boolean; reasons: string[] });
  }
});
