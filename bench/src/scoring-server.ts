import { randomUUID } from 'node:crypto';
import { Server, ServerCredentials, ServerUnaryCall, sendUnaryData, status } from '@grpc/grpc-js';
import { Client } from 'pg';
import { EventPayload, EventType, ledger, scoring } from '@collections/contracts';
import { ConsumedEvent, EventHandlers, HandlerContext } from '@collections/messaging';
import {
  LiveModels,
  RescoreAccountUseCase,
  ScoreRow,
  championChallengerFromEnv,
  featureStoreHandlers,
  mapScore,
  scoringService,
} from '@collections/scoring';
import { startServiceUnderTest } from '@collections/testing';

/**
 * The scoring service in its own process for `npm run bench -- scoring-batch`, so the load
 * generator does not share its event loop. `service <accounts>`: the real service (Nest, auth,
 * PostgreSQL) with that many accounts fed through its ledger-event handlers; sends
 * {grpcAddress, apiKey, databaseUrl, schema, tenant} when ready. `plain <port> <databaseUrl>
 * <schema> <tenant>`: the baseline, a bare grpc-js server that loads that tenant's stored scores
 * (the ones the service answers) into a Map once and answers ScoreAccount with a lookup in it and
 * the service's own row-to-response mapping: the same work as the service's cached read, without
 * Nest, auth or tenant context.
 */
export const BENCH_HISTORY_MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];

async function deliverAll(handlers: EventHandlers, ctx: HandlerContext, tenantId: string, accountId: string) {
  const deliver = async <T extends EventType>(type: T, payload: EventPayload<T>) => {
    const event = {
      id: randomUUID(),
      type,
      source: '/collections/ledger',
      time: new Date(),
      tenantId,
      key: accountId,
      payload,
      topic: 'bench',
      partition: 0,
      offset: '0',
    } as ConsumedEvent<T>;
    await (handlers[type] as (e: ConsumedEvent<T>, c: HandlerContext) => Promise<void>)(event, ctx);
  };
  const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
  const seed = Number.parseInt(accountId.replace(/\D/g, ''), 10) || 0;
  await deliver(
    'collections.ledger.v1.AccountOpened',
    ledger.AccountOpened.fromPartial({
      accountId,
      currency: 'USD',
      creditLimitMinor: 1_000_000 + (seed % 7) * 500_000,
    }),
  );
  for (const [i, month] of BENCH_HISTORY_MONTHS.entries()) {
    await deliver(
      'collections.ledger.v1.StatementIssued',
      ledger.StatementIssued.fromPartial({
        accountId,
        cycle: i + 1,
        statementDate: `${month}-05`,
        amountDue: usd(40_000 + ((seed * 31 + i * 7) % 13) * 10_000),
        hasReportedStatus: true,
        reportedStatus: ((seed + i) % 5) - 2,
      }),
    );
    await deliver(
      'collections.ledger.v1.PaymentPosted',
      ledger.PaymentPosted.fromPartial({
        accountId,
        paymentId: `${accountId}-${i}`,
        amount: usd(((seed * 17 + i) % 9) * 5_000),
        postedAt: new Date(`${month}-20T12:00:00Z`),
      }),
    );
  }
  await deliver(
    'collections.ledger.v1.BalanceChanged',
    ledger.BalanceChanged.fromPartial({
      balance: { accountId, total: usd(100_000 + (seed % 11) * 25_000), daysPastDue: (seed % 6) * 30 },
    }),
  );
}

async function service(accounts: number): Promise<void> {
  const sut = await startServiceUnderTest(scoringService);
  const handlers = featureStoreHandlers(
    new RescoreAccountUseCase(sut.clock, LiveModels.load(championChallengerFromEnv())),
  );
  for (let a = 0; a < accounts; a++) {
    await sut.dataSource.transaction((tx) =>
      deliverAll(handlers, { tx, outbox: sut.context.backbone.outbox }, sut.tenant, `acct-${a}`),
    );
  }
  answered = async () => {
    const histogram = sut.context.metrics.registry.getSingleMetric('grpc_server_handling_seconds');
    const counts = { ok: 0, failed: 0 };
    for (const v of (await histogram?.get())?.values ?? []) {
      const { metricName, labels } = v as typeof v & { metricName?: string };
      if (metricName !== 'grpc_server_handling_seconds_count' || !String(labels.method).endsWith('/ScoreAccount'))
        continue;
      counts[labels.code === 'OK' ? 'ok' : 'failed'] += v.value;
    }
    return counts;
  };
  process.once('SIGTERM', () => {
    void sut.close().then(() => process.exit(0));
  });
  process.send?.({
    grpcAddress: sut.app.grpcAddress,
    apiKey: sut.apiKey,
    databaseUrl: sut.db.url,
    schema: sut.name,
    tenant: sut.tenant,
  });
}

async function plain(port: number, databaseUrl: string, schema: string, tenant: string): Promise<void> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  const { rows } = (await db.query(`SELECT * FROM "${schema}".account_score WHERE tenant_id = $1`, [tenant])) as {
    rows: ScoreRow[];
  };
  await db.end();
  const scores = new Map(rows.map((r) => [r.account_id, r]));
  const answers = { ok: 0, failed: 0 };
  answered = () => Promise.resolve({ ...answers });
  const server = new Server();
  server.addService(scoring.ScoringServiceService, {
    scoreAccount: (
      call: ServerUnaryCall<scoring.ScoreAccountRequest, scoring.ScoreAccountResponse>,
      cb: sendUnaryData<scoring.ScoreAccountResponse>,
    ) => {
      const row = scores.get(call.request.accountId);
      answers[row ? 'ok' : 'failed']++;
      if (!row) cb({ code: status.NOT_FOUND, details: `account ${call.request.accountId} has no score yet` });
      else cb(null, mapScore(row));
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  // exits on its own so that --cpu-prof (BENCH_PROFILE) writes its profile
  process.once('SIGTERM', () => server.tryShutdown(() => process.exit(0)));
  process.send?.({ grpcAddress: `127.0.0.1:${port}`, apiKey: '' });
}

/** ScoreAccount calls this process has answered so far, with a score and with an error. */
let answered: () => Promise<{ ok: number; failed: number }> = () => Promise.resolve({ ok: 0, failed: 0 });

// the bench asks for this process's CPU time and answers before and after the load, for CPU per call
// and to check that every call it counted was answered with a score (h2load does not read gRPC's status)
process.on('message', (m) => {
  if (m === 'cpu') {
    const { user, system } = process.cpuUsage();
    void answered().then((answers) => process.send?.({ cpuMicros: user + system, ...answers }));
  }
});

const [mode, arg, ...rest] = process.argv.slice(2);
(mode === 'plain' ? plain(Number(arg), rest[0], rest[1], rest[2]) : service(Number(arg))).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
