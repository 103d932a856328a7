import { randomUUID } from 'node:crypto';
import { Server, ServerCredentials, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { EventPayload, EventType, ledger, scoring } from '@collections/contracts';
import { ConsumedEvent, EventHandlers, HandlerContext } from '@collections/messaging';
import {
  LiveModels,
  RescoreAccountUseCase,
  championChallengerFromEnv,
  featureStoreHandlers,
  loadLiveModel,
  scoringService,
} from '@collections/scoring';
import { startServiceUnderTest } from '@collections/testing';

/**
 * The scoring service in its own process for `npm run bench -- scoring-batch`, so the load
 * generator does not share its event loop. `service <accounts>`: the real service (Nest, auth,
 * PostgreSQL) with that many accounts fed through its ledger-event handlers; sends
 * {grpcAddress, apiKey} when ready. `plain <port>`: a bare grpc-js server answering ScoreAccount by
 * scoring one fixed history with the same champion model, no database: the baseline.
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
  process.once('SIGTERM', () => {
    void sut.close().then(() => process.exit(0));
  });
  process.send?.({ grpcAddress: sut.app.grpcAddress, apiKey: sut.apiKey });
}

async function plain(port: number): Promise<void> {
  const champion = loadLiveModel(championChallengerFromEnv().champion);
  const history = {
    creditLimit: 20_000,
    statements: BENCH_HISTORY_MONTHS.map((_, i) => ({
      bill: 500 + i * 100,
      paid: i % 2 ? 100 : 0,
      status: (i % 3) - 1,
    })),
  };
  const server = new Server();
  server.addService(scoring.ScoringServiceService, {
    scoreAccount: (
      call: ServerUnaryCall<scoring.ScoreAccountRequest, scoring.ScoreAccountResponse>,
      cb: sendUnaryData<scoring.ScoreAccountResponse>,
    ) => {
      const score = champion.model.score(history);
      cb(
        null,
        scoring.ScoreAccountResponse.fromPartial({
          accountId: call.request.accountId,
          probabilityToPay: score.probabilityToPay,
          modelVersion: champion.version,
          reasons: score.reasons.map((r) => r.text),
        }),
      );
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  process.send?.({ grpcAddress: `127.0.0.1:${port}`, apiKey: '' });
}

// the bench asks for this process's CPU time before and after the load, for CPU per call
process.on('message', (m) => {
  if (m === 'cpu') {
    const { user, system } = process.cpuUsage();
    process.send?.({ cpuMicros: user + system });
  }
});

const [mode, arg] = process.argv.slice(2);
(mode === 'plain' ? plain(Number(arg)) : service(Number(arg))).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
