import { DataSource } from 'typeorm';
import { EventPayload, EventType, encodePayload, orchestrator, scoring, topicOf } from '@collections/contracts';
import { Backbone, InProcessTransport, InboundRecord, buildHeaders } from '@collections/messaging';
import { REPORTING_CONSUMER, reportingService } from '@collections/reporting';
import { openServiceDatabase } from '@collections/runtime';
import { createTestDatabase, provideInfrastructure } from '@collections/testing';
import { progress, report } from './report';

/**
 * npm run bench -- reporting: events/s projected into the KPI read model through the real
 * inbox consumer (decode, inbox dedup, keyed upserts, the KPI rollup moved once per batch, one
 * transaction per batch of the consumer's size), beside the raw engine writing the same read-model and inbox rows with multi-row
 * INSERTs (one per table and transaction) into copies of the same tables.
 */
const BENCH = 'reporting';
const SCHEMA = 'reporting';
const ACCOUNTS = Number(process.env.BENCH_ACCOUNTS ?? 2_000);
/** The consumer's own batch size unless told otherwise. */
const BATCH = Number(process.env.BENCH_BATCH ?? REPORTING_CONSUMER.maxBatchSize);
const TENANT = 'bench';
const TABLES = [
  'account_fact',
  'balance_fact',
  'delinquency_fact',
  'payment_fact',
  'payment_reversal_fact',
  'statement_fact',
  'contact_fact',
  'promise_kept_fact',
  'experiment_arm_fact',
];

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n)).toISOString().slice(0, 10);

/** Eleven events per account: opening and its balance, score, statement, aging, two payments with their balances, a reversal, a contact. */
function portfolio(): InboundRecord[] {
  const records: InboundRecord[] = [];
  const add = <T extends EventType>(type: T, key: string, t: number, payload: EventPayload<T>) =>
    records.push({
      topic: topicOf(type),
      key,
      headers: buildHeaders({
        type,
        source: '/collections/bench',
        tenantId: TENANT,
        time: new Date(Date.UTC(2026, 0, 1) + t * 60_000),
      }),
      payload: Buffer.from(encodePayload(type, payload)),
      partition: 0,
      offset: String(records.length),
    });
  for (let a = 0; a < ACCOUNTS; a++) {
    const id = `acct-${a}`;
    const owed = 100_000 + a;
    const balance = (entry: string, d: number, total: number) =>
      add('collections.ledger.v1.BalanceChanged', id, d * 1_440 + records.length, {
        balance: { accountId: id, asOfDate: day(d), total: USD(total), daysPastDue: 0, agingBucket: '' },
        causedByEntryId: entry,
      });
    add('collections.ledger.v1.AccountOpened', id, a, {
      accountId: id,
      externalRef: '',
      product: 0,
      currency: 'USD',
      creditLimitMinor: 0,
      openedOn: day(a % 60),
      debtors: [],
      timeZone: 'UTC',
    });
    balance(`${id}-open`, a % 60, owed);
    add('collections.scoring.v1.AccountScored', id, a, {
      accountId: id,
      probabilityToPay: 0.4,
      segment: scoring.Segment.SEGMENT_NEGOTIATE,
      modelVersion: a % 2 ? 'm1' : 'm2',
      reasons: [],
      scoredAt: new Date(Date.UTC(2026, 2, 1)),
      priority: 1,
      daysPastDue: 0,
      segmentRule: '',
      imputedFeatures: [],
      modelArm: 'champion',
    });
    add('collections.ledger.v1.StatementIssued', id, a, {
      accountId: id,
      cycle: 1,
      statementDate: day(70),
      dueDate: day(80),
      amountDue: USD(owed),
      minimumDue: USD(1_000),
      hasReportedStatus: false,
      reportedStatus: 0,
    });
    add('collections.ledger.v1.DelinquencyChanged', id, a, {
      accountId: id,
      asOfDate: day(90),
      daysPastDue: 10,
      previousBucket: 'current',
      bucket: '1-30',
      pastDue: USD(1_000),
    });
    for (const [p, amount] of [
      [1, 10_000],
      [2, 5_000],
    ]) {
      add('collections.ledger.v1.PaymentPosted', id, a, {
        paymentId: `${id}-pay-${p}`,
        accountId: id,
        amount: USD(amount),
        balanceAfter: USD(owed - amount),
        postedAt: new Date(Date.UTC(2026, 3, p)),
        reference: '',
        effectiveDate: '',
      });
      balance(`${id}-pay-${p}`, 90 + p, owed - amount * p);
    }
    add('collections.ledger.v1.PaymentReversed', id, a, {
      entryId: `${id}-rev-2`,
      paymentId: `${id}-pay-2`,
      accountId: id,
      amount: USD(5_000),
      reason: 'NSF',
    });
    add('collections.orchestrator.v1.ContactDecision', id, a, {
      decisionId: `${id}-dec`,
      accountId: id,
      channel: orchestrator.Channel.CHANNEL_CALL,
      allowed: true,
      reasons: [],
      decidedAt: new Date(Date.UTC(2026, 3, 3)),
    });
  }
  return records;
}

async function ingest(dataSource: DataSource, records: InboundRecord[]): Promise<number> {
  const backbone = new Backbone({
    service: BENCH,
    schema: SCHEMA,
    dataSource,
    transport: new InProcessTransport({ dataSource }),
    runRelay: false,
  });
  const consumer = backbone.consume(REPORTING_CONSUMER);
  const control = { heartbeat: async () => undefined, isActive: () => true };
  const start = process.hrtime.bigint();
  for (let i = 0; i < records.length; i += BATCH) await consumer.handleBatch(records.slice(i, i + BATCH), control);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

/**
 * The same rows, written by the raw engine into copies of the tables: the read model's rows and
 * the inbox's, each table's share of a transaction in one multi-row INSERT (as the projection
 * writes them), the same number of rows per transaction as events per batch.
 */
async function rawInserts(dataSource: DataSource): Promise<{ seconds: number; rows: number }> {
  await dataSource.query('CREATE SCHEMA raw');
  const rows: { table: string; row: Record<string, unknown> }[] = [];
  for (const table of [...TABLES, 'inbox']) {
    await dataSource.query(`CREATE TABLE raw.${table} (LIKE ${SCHEMA}.${table} INCLUDING ALL)`);
    for (const row of (await dataSource.query(`SELECT * FROM ${SCHEMA}.${table}`)) as Record<string, unknown>[]) {
      rows.push({ table, row });
    }
  }
  const start = process.hrtime.bigint();
  for (let i = 0; i < rows.length; i += BATCH) {
    const byTable = new Map<string, Record<string, unknown>[]>();
    for (const r of rows.slice(i, i + BATCH)) byTable.set(r.table, [...(byTable.get(r.table) ?? []), r.row]);
    await dataSource.transaction(async (tx) => {
      for (const [table, of] of byTable) {
        await tx.query(`INSERT INTO raw.${table} SELECT * FROM json_populate_recordset(NULL::raw.${table}, $1)`, [
          JSON.stringify(of),
        ]);
      }
    });
  }
  return { seconds: Number(process.hrtime.bigint() - start) / 1e9, rows: rows.length };
}

async function main(): Promise<void> {
  const infra = await provideInfrastructure({ kafka: false });
  const db = await createTestDatabase(infra.databaseUrl, 'bench_reporting');
  const dataSource = await openServiceDatabase({
    url: db.url,
    schema: SCHEMA,
    poolSize: 4,
    migrations: reportingService.migrations,
  });
  try {
    const records = portfolio();
    progress(`${BENCH}: projecting ${records.length} events of ${ACCOUNTS} accounts in batches of ${BATCH}`);
    const seconds = await ingest(dataSource, records);
    const [{ n: payments }] = (await dataSource.query(`SELECT count(*)::int AS n FROM payment_fact`)) as {
      n: number;
    }[];
    if (payments !== ACCOUNTS * 2)
      throw new Error(`expected ${ACCOUNTS * 2} payments in the read model, found ${payments}`);
    progress(`${BENCH}: writing the same read-model rows with raw INSERTs`);
    const raw = await rawInserts(dataSource);
    report({
      bench: BENCH,
      metric: 'events_ingested_per_second',
      value: Number((records.length / seconds).toFixed(1)),
      unit: 'events/s',
      baseline: 'raw multi-row INSERTs of the same read-model and inbox rows, one per table and transaction',
      baselineValue: Number((records.length / raw.seconds).toFixed(1)),
      events: records.length,
      rows: raw.rows,
      rawRowsPerSecond: Number((raw.rows / raw.seconds).toFixed(1)),
      batch: BATCH,
    });
  } finally {
    await dataSource.destroy();
    await db.drop();
    await infra.stop();
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
