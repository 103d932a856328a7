import { randomUUID } from 'node:crypto';
import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { DataSource } from 'typeorm';
import { EventPayload, EventType, ledger, scoring } from '@collections/contracts';
import { EventHandlers } from '@collections/messaging';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { openServiceDatabase } from '@collections/runtime';
import { ServiceUnderTest, startServiceUnderTest, waitFor } from '@collections/testing';
import { featureStoreHandlers } from '../../src/scores/feature-store.consumer';
import { ChampionChallengerConfig, LiveModels } from '../../src/scores/live-models';
import { RescoreAccountUseCase } from '../../src/scores/usecases/rescore-account.usecase';
import { createScoringService } from '../../src/scoring.service';
import { handleLedgerEvent } from '../support/ledger-events';

const MODELS: ChampionChallengerConfig = { champion: 'uci-gbdt-v1', challengerShare: 0 };
const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

/**
 * ScoreAccount answers from the service's in-memory cache of stored scores; these tests prove it
 * never answers a score older than the database's once the change is committed and announced:
 * its own commits at once, another instance's (a second DataSource, as a second process would
 * have) and anyone's SQL as their notification arrives, and nothing at all from memory while the
 * notifications are lost.
 */
describe('ScoreAccount from the score cache (real PostgreSQL, two instances)', () => {
  let sut: ServiceUnderTest;
  let other: DataSource;
  let client: ReturnType<typeof grpcClient<typeof scoring.ScoringServiceService>>;
  let md: () => Metadata;
  let handlers: EventHandlers;
  let n = 0;

  beforeAll(async () => {
    const definition = createScoringService({ models: MODELS });
    sut = await startServiceUnderTest(definition);
    // a second instance of the service: its own pool on the same database
    other = await openServiceDatabase({ url: sut.db.url, schema: 'scoring', migrations: definition.migrations });
    client = grpcClient(scoring.ScoringServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
    handlers = featureStoreHandlers(new RescoreAccountUseCase(sut.clock, LiveModels.load(MODELS)));
  });
  afterAll(async () => {
    client.close();
    await other.destroy();
    await sut.close();
  });

  /** Handles one ledger event as a consumer of the given instance would: in a transaction of its DataSource. */
  const deliver = <T extends EventType>(on: DataSource, type: T, payload: EventPayload<T>, key: string) =>
    handleLedgerEvent(sut, handlers, type, payload, key, { on });

  async function newAccount(): Promise<string> {
    const id = `acct-${++n}`;
    await deliver(
      sut.dataSource,
      'collections.ledger.v1.AccountOpened',
      ledger.AccountOpened.fromPartial({ accountId: id, currency: 'USD', creditLimitMinor: 2_000_000 }),
      id,
    );
    for (const [i, month] of MONTHS.entries()) {
      await deliver(
        sut.dataSource,
        'collections.ledger.v1.StatementIssued',
        ledger.StatementIssued.fromPartial({
          accountId: id,
          cycle: i + 1,
          statementDate: `${month}-05`,
          amountDue: usd(50_000),
          hasReportedStatus: true,
          reportedStatus: -1,
        }),
        id,
      );
    }
    return id;
  }

  /** A payment that changes what the model sees, so the stored score moves. */
  const pay = (on: DataSource, id: string, month: string, minor: number) =>
    deliver(
      on,
      'collections.ledger.v1.PaymentPosted',
      ledger.PaymentPosted.fromPartial({
        accountId: id,
        paymentId: randomUUID(),
        amount: usd(minor),
        postedAt: new Date(`${month}-20T12:00:00Z`),
      }),
      id,
    );

  const stored = async (id: string) => {
    const [row] = (await sut.dataSource.query(
      `SELECT probability_to_pay FROM scoring.account_score WHERE tenant_id = $1 AND account_id = $2`,
      [sut.tenant, id],
    )) as { probability_to_pay: number }[];
    return row?.probability_to_pay;
  };
  const answered = async (id: string) =>
    (await client.scoreAccount({ accountId: id, modelVersion: '' }, md())).probabilityToPay;
  const listenerPids = async () =>
    (
      (await sut.dataSource.query(
        `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN scoring_account_score'`,
      )) as { pid: number }[]
    ).map((r) => r.pid);

  it("answers a change committed by this instance at once, and never another tenant's cached score", async () => {
    const id = await newAccount();
    const first = await answered(id);
    expect(first).toBe(await stored(id));
    await pay(sut.dataSource, id, '2026-06', 50_000);
    const after = await stored(id);
    expect(after).not.toBe(first);
    // no waiting: the commit itself dropped the cached score
    expect(await answered(id)).toBe(after);
    const foreign = await client
      .scoreAccount({ accountId: id, modelVersion: '' }, metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey }))
      .then(
        () => status.OK,
        (err: ServiceError) => err.code,
      );
    expect(foreign).toBe(status.NOT_FOUND);
  });

  it('answers a change committed by another instance once its notification arrives', async () => {
    const id = await newAccount();
    const first = await answered(id);
    await pay(other, id, '2026-05', 50_000);
    const after = await stored(id);
    expect(after).not.toBe(first);
    expect(await waitFor(async () => (await answered(id)) === after, { message: "the other instance's score" })).toBe(
      true,
    );
  });

  it('answers from memory only while it hears every change: losing the notifications turns it off until they are back', async () => {
    const id = await newAccount();
    const first = await answered(id);
    const [listener] = await listenerPids();
    expect(listener).toBeDefined();
    // a change nobody announces: the cache, not the database, answers (which proves it is in use);
    // a read that overlapped the notification of an earlier commit of this account kept nothing, so
    // this is tried until a read did fill it
    const unannounced = (p: number) =>
      sut.dataSource.transaction(async (tx) => {
        await tx.query(`ALTER TABLE scoring.account_score DISABLE TRIGGER account_score_changed`);
        await tx.query(
          `UPDATE scoring.account_score SET probability_to_pay = $3 WHERE tenant_id = $1 AND account_id = $2`,
          [sut.tenant, id, p],
        );
        await tx.query(`ALTER TABLE scoring.account_score ENABLE TRIGGER account_score_changed`);
      });
    const fromMemory = await waitFor(
      async () => {
        await answered(id);
        await unannounced(0.123);
        if ((await answered(id)) === first) return true;
        await unannounced(first);
        return false;
      },
      { message: 'an answer from memory' },
    );
    expect(fromMemory).toBe(true);
    // ... and once the notifications are lost, it forgets everything and reads the database
    await other.query(`SELECT pg_terminate_backend($1)`, [listener]);
    expect(await waitFor(async () => (await answered(id)) === 0.123, { message: 'the database read' })).toBe(true);
    const back = await waitFor(async () => (await listenerPids()).find((pid) => pid !== listener), {
      message: 'the listener back',
    });
    expect(back).toBeDefined();
    expect(await answered(id)).toBe(0.123);
    // live again: an operator's SQL from any session is announced like any other change
    await other.query(
      `UPDATE scoring.account_score SET probability_to_pay = 0.456 WHERE tenant_id = $1 AND account_id = $2`,
      [sut.tenant, id],
    );
    expect(await waitFor(async () => (await answered(id)) === 0.456, { message: 'the SQL change' })).toBe(true);
    await other.query(`DELETE FROM scoring.account_score WHERE tenant_id = $1 AND account_id = $2`, [sut.tenant, id]);
    const gone = await waitFor(
      () =>
        answered(id).then(
          () => undefined,
          (err: ServiceError) => err.code,
        ),
      { message: 'the deleted score' },
    );
    expect(gone).toBe(status.NOT_FOUND);
  });
});
