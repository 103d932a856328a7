import { fork } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { Metadata } from '@grpc/grpc-js';
import { Client } from 'pg';
import { ledger } from '@collections/contracts';
import { freePort, grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { provideInfrastructure } from '@collections/testing';
import { closedLoop, progress, report } from './report';
import { analyzeDatabase } from './steady-state';
import { CALLER_KINDS, UnaryCaller, unaryCaller } from './unary-caller';

/**
 * npm run bench -- ledger-payments: the ledger in its own process; PostPayment over gRPC (lock, idempotency check, double
 * entry, cached balance, delinquency, outbox) at 50 concurrent callers, beside raw
 * single-row INSERT transactions into a bare table on the same server at the same
 * concurrency; PostPayments in batches of 500 beside raw 500-row INSERT transactions; then
 * the p99 of GetBalance at 50 concurrent callers, beside a bare grpc-js server in its own process
 * answering GetBalance with one indexed read of the cached balance over a plain pg pool.
 * The callers are promise loops in this process on one HTTP/2 session (see unary-caller.ts;
 * BENCH_GRPC_CLIENT=grpc-js calls through grpc-js's client instead, at about twice the callers' CPU
 * per call: 0.20 against 0.10-0.13 ms for a PostPayment, taken from the same 2 cores as the ledger's
 * and PostgreSQL's).
 */
const CONCURRENCY = 50;
const ACCOUNTS = 1_000;
/** Batched: this many payments per call (a bank file's page), this many calls in flight. */
const BATCH = 500;
const BATCH_CONCURRENCY = 4;
const SHARE = ACCOUNTS / BATCH_CONCURRENCY;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);

/** Runs `load` against the plain GetBalance server (bench/src/ledger-plain-server.ts) in its own process. */
async function plainGetBalance<T>(
  databaseUrl: string,
  tenant: string,
  load: (caller: UnaryCaller) => Promise<T>,
): Promise<T> {
  // Below Linux's ephemeral range: a fixed port inside it may already be held by an outgoing connection.
  const port = await freePort();
  const child = fork(join(__dirname, 'ledger-plain-server.js'), [databaseUrl, tenant, String(port)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const { grpcAddress } = await new Promise<{ grpcAddress: string }>((resolve, reject) => {
    child.once('message', (m) => resolve(m as never));
    child.once('exit', (code) => reject(new Error(`plain GetBalance server exited with ${code}`)));
  });
  const caller = unaryCaller(grpcAddress, '');
  try {
    return await load(caller);
  } finally {
    caller.close();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  const infra = await provideInfrastructure({ kafka: false });
  process.env.DATABASE_URL = infra.databaseUrl;
  const server = fork(join(__dirname, 'ledger-server.js'), [], {
    execArgv: process.env.BENCH_PROFILE ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_PROFILE] : [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const sut = await new Promise<{ grpcAddress: string; apiKey: string; tenant: string; databaseUrl: string }>(
    (resolve, reject) => {
      server.once('message', (m) => resolve(m as never));
      server.once('exit', (code) => reject(new Error(`ledger server exited with ${code}`)));
    },
  );
  const client = grpcClient(ledger.LedgerServiceService, sut.grpcAddress);
  const md = (): Metadata => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
  try {
    progress(`opening ${ACCOUNTS} accounts`);
    for (let a = 0; a < ACCOUNTS; a++) {
      const id = `acct-${a}`;
      await client.upsertDebtor(
        {
          debtor: ledger.Debtor.fromPartial({
            debtorId: `d-${a}`,
            kind: 'person',
            displayName: 'Bench',
            country: 'CO',
            timeZone: 'America/Bogota',
          }),
        },
        md(),
      );
      await client.openAccount(
        ledger.OpenAccountRequest.fromPartial({
          accountId: id,
          externalRef: `ext-${a}`,
          product: 1,
          currency: 'USD',
          openedOn: '2026-01-01',
          debtors: [{ debtorId: `d-${a}`, role: 1 }],
        }),
        md(),
      );
      await client.postCharge(
        {
          accountId: id,
          kind: ledger.EntryKind.ENTRY_KIND_CHARGE,
          amount: { amountMinor: 1e12, currency: 'USD' },
          idempotencyKey: `c-${a}`,
          effectiveDate: '',
          memo: '',
        },
        md(),
      );
    }
    await analyzeDatabase(sut.databaseUrl);
    progress(`PostPayment over gRPC, ${CONCURRENCY} concurrent, ${SECONDS}s`);
    const caller = unaryCaller(sut.grpcAddress, sut.apiKey);
    const ours = await closedLoop(CONCURRENCY, SECONDS, (w, i) =>
      caller.call(ledger.LedgerServiceService.postPayment, {
        accountId: `acct-${(w * 997 + i) % ACCOUNTS}`,
        amount: { amountMinor: 100, currency: 'USD' },
        idempotencyKey: `p-${w}-${i}`,
        reference: '',
        effectiveDate: '',
      }),
    );

    progress(`PostPayments over gRPC, ${BATCH} per call, ${BATCH_CONCURRENCY} calls in flight, ${SECONDS}s`);
    const batched = await closedLoop(BATCH_CONCURRENCY, SECONDS, (w, i) =>
      caller.call(ledger.LedgerServiceService.postPayments, {
        payments: Array.from({ length: BATCH }, (_, k) => ({
          // each feed pays its own accounts (as bank files do), so feeds do not queue on each other's locks
          accountId: `acct-${w * SHARE + ((i * BATCH + k) % SHARE)}`,
          amount: { amountMinor: 100, currency: 'USD' },
          idempotencyKey: `pb-${w}-${i}-${k}`,
          reference: '',
          effectiveDate: '',
        })),
      }),
    );

    progress(`raw INSERT transactions, ${CONCURRENCY} connections, ${SECONDS}s`);
    const admin = new Client({ connectionString: sut.databaseUrl });
    await admin.connect();
    await admin.query(
      'CREATE TABLE raw_payment (id bigserial PRIMARY KEY, account_id text NOT NULL, amount_minor bigint NOT NULL, key text UNIQUE)',
    );
    const conns = await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        const c = new Client({ connectionString: sut.databaseUrl });
        await c.connect();
        return c;
      }),
    );
    const raw = await closedLoop(CONCURRENCY, SECONDS, (w, i) =>
      conns[w].query('INSERT INTO raw_payment (account_id, amount_minor, key) VALUES ($1, $2, $3)', [
        `acct-${i % ACCOUNTS}`,
        100,
        `r-${w}-${i}`,
      ]),
    );
    progress(`raw ${BATCH}-row INSERT transactions, ${BATCH_CONCURRENCY} connections, ${SECONDS}s`);
    const rawBatched = await closedLoop(BATCH_CONCURRENCY, SECONDS, (w, i) =>
      conns[w].query(
        'INSERT INTO raw_payment (account_id, amount_minor, key) SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[])',
        [
          Array.from({ length: BATCH }, (_, k) => `acct-${(i * BATCH + k) % ACCOUNTS}`),
          Array.from({ length: BATCH }, () => 100),
          Array.from({ length: BATCH }, (_, k) => `rb-${w}-${i}-${k}`),
        ],
      ),
    );
    await Promise.all(conns.map((c) => c.end()));
    await admin.end();

    progress(`GetBalance over gRPC, ${CONCURRENCY} concurrent, ${SECONDS}s`);
    const balance = await closedLoop(CONCURRENCY, SECONDS, (w, i) =>
      caller.call(ledger.LedgerServiceService.getBalance, { accountId: `acct-${(w + i) % ACCOUNTS}`, asOfDate: '' }),
    );
    progress(`plain grpc-js GetBalance (one read of the cached balance), ${CONCURRENCY} concurrent, ${SECONDS}s`);
    const plain = await plainGetBalance(sut.databaseUrl, sut.tenant, (plainCaller) =>
      closedLoop(CONCURRENCY, SECONDS, (w, i) =>
        plainCaller.call(ledger.LedgerServiceService.getBalance, {
          accountId: `acct-${(w + i) % ACCOUNTS}`,
          asOfDate: '',
        }),
      ),
    );
    caller.close();

    report({
      bench: 'ledger-payments',
      metric: 'payments_per_s_single',
      value: Math.round(ours.rate),
      unit: 'payments/s',
      baseline: 'raw single-row INSERT transactions, same server and concurrency',
      baselineValue: Math.round(raw.rate),
      concurrency: CONCURRENCY,
      p99Ms: Number(ours.p99.toFixed(1)),
      client: CALLER_KINDS[caller.kind],
      clientCpuMsPerCall: Number((ours.cpuMs / ours.calls).toFixed(3)),
    });
    report({
      bench: 'ledger-payments',
      metric: 'payments_per_s_batched',
      value: Math.round(batched.rate * BATCH),
      unit: 'payments/s',
      baseline: `raw ${BATCH}-row INSERT transactions, same server and concurrency`,
      baselineValue: Math.round(rawBatched.rate * BATCH),
      batch: BATCH,
      concurrency: BATCH_CONCURRENCY,
      p99MsPerCall: Number(batched.p99.toFixed(1)),
      client: CALLER_KINDS[caller.kind],
    });
    report({
      bench: 'ledger-payments',
      metric: 'get_balance_p99',
      value: Number(balance.p99.toFixed(2)),
      unit: 'ms',
      baseline: 'plain grpc-js server reading the cached balance over a pg pool, same run and concurrency',
      baselineValue: Number(plain.p99.toFixed(2)),
      concurrency: CONCURRENCY,
      p50Ms: Number(balance.p50.toFixed(2)),
      baselineP50Ms: Number(plain.p50.toFixed(2)),
      callsPerS: Math.round(balance.rate),
      baselineCallsPerS: Math.round(plain.rate),
      postPaymentP99Ms: Number(ours.p99.toFixed(2)),
      client: CALLER_KINDS[caller.kind],
      loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
    });
  } finally {
    client.close();
    server.kill('SIGTERM');
    await new Promise((resolve) => server.once('exit', resolve));
    await infra.stop();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
