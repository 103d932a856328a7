import { Metadata } from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { EventPayload, EventType, ledger, promises, scoring } from '@collections/contracts';
import { ConsumedEvent, EventHandlers } from '@collections/messaging';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest, waitFor } from '@collections/testing';
import {
  ChampionChallengerConfig,
  LiveModels,
  RescoreAccountUseCase,
  createScoringService,
  featureStoreHandlers,
} from '@collections/scoring';
import { relapseRisk } from '../src/relapse/domain/relapse-risk';
import { GrpcAccountScorer } from '../src/relapse/scoring-port';
import { createPromisesService } from '../src/promises.service';
import { deliver, published, startConsumers } from './support/events';

const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });
const MODELS: ChampionChallengerConfig = { champion: 'uci-gbdt-v1', challenger: undefined, challengerShare: 0 };
const MONTHS = ['2025-09', '2025-10', '2025-11', '2025-12', '2026-01', '2026-02'];

/** A completed plan scored by the real scoring service (its own database, its models, its gRPC API). */
describe('relapse risk after a completed plan (real scoring service, real PostgreSQL)', () => {
  let scoringSut: ServiceUnderTest;
  let sut: ServiceUnderTest;
  let scorer: GrpcAccountScorer;
  let scoringHandlers: EventHandlers;
  let scoringClient: ReturnType<typeof grpcClient<typeof scoring.ScoringServiceService>>;
  let client: ReturnType<typeof grpcClient<typeof promises.PromisesServiceService>>;
  let md: () => Metadata;
  let n = 0;

  beforeAll(async () => {
    scoringSut = await startServiceUnderTest(createScoringService({ models: MODELS }));
    scoringClient = grpcClient(scoring.ScoringServiceService, scoringSut.app.grpcAddress);
    // The scoring service's own feature store, fed as its consumer would feed it from the ledger's topics.
    scoringHandlers = featureStoreHandlers(new RescoreAccountUseCase(scoringSut.clock, LiveModels.load(MODELS)));
    const definition = createPromisesService({
      scorer: { score: (...args) => scorer.score(...args), close: () => undefined },
    });
    sut = await startServiceUnderTest(definition);
    // Each service under test invents its tenants: the promises tenant calls scoring with the scoring tenant's key.
    scorer = new GrpcAccountScorer(scoringSut.app.grpcAddress, `${sut.tenant}:${scoringSut.apiKey}`);
    client = grpcClient(promises.PromisesServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
    await startConsumers(sut, definition);
  });
  afterAll(async () => {
    client.close();
    scoringClient.close();
    scorer.close();
    await sut.context.backbone.stop();
    await sut.close();
    await scoringSut.close();
  });

  async function toScoring<T extends EventType>(type: T, payload: EventPayload<T>, key: string): Promise<void> {
    const event = {
      id: randomUUID(),
      type,
      source: '/collections/ledger',
      time: scoringSut.clock.now(),
      tenantId: scoringSut.tenant,
      key,
      payload,
      topic: 'test',
      partition: 0,
      offset: '0',
    } as ConsumedEvent<T>;
    const handler = scoringHandlers[type] as ((e: ConsumedEvent<T>, c: unknown) => Promise<void>) | undefined;
    await scoringSut.dataSource.transaction((tx) =>
      handler!(event, { tx, outbox: scoringSut.context.backbone.outbox }),
    );
  }

  /** An account the scoring service knows: six statements, paid as `paidShare` of each bill. */
  async function scoredAccount(paidShare: number): Promise<string> {
    const id = `acct-${++n}-${randomUUID().slice(0, 6)}`;
    await toScoring(
      'collections.ledger.v1.AccountOpened',
      ledger.AccountOpened.fromPartial({ accountId: id, currency: 'USD', creditLimitMinor: 500_000 }),
      id,
    );
    for (const [i, month] of MONTHS.entries()) {
      await toScoring(
        'collections.ledger.v1.StatementIssued',
        ledger.StatementIssued.fromPartial({
          accountId: id,
          cycle: i + 1,
          statementDate: `${month}-05`,
          amountDue: USD(100_000),
          hasReportedStatus: true,
          reportedStatus: paidShare >= 1 ? -1 : 2,
        }),
        id,
      );
      if (paidShare > 0) {
        await toScoring(
          'collections.ledger.v1.PaymentPosted',
          ledger.PaymentPosted.fromPartial({
            accountId: id,
            paymentId: `${id}-p${i}`,
            amount: USD(Math.round(100_000 * paidShare)),
            postedAt: new Date(`${month}-20T12:00:00Z`),
          }),
          id,
        );
      }
    }
    await toScoring(
      'collections.ledger.v1.BalanceChanged',
      ledger.BalanceChanged.fromPartial({ balance: { accountId: id, total: USD(30_000), daysPastDue: 40 } }),
      id,
    );
    return id;
  }

  /** A two-instalment plan on the account, paid in full: its PlanCompleted, as the relay would publish it. */
  async function completePlan(accountId: string): Promise<promises.PlanCompleted> {
    const { plan } = await client.createPlan(
      {
        accountId,
        total: USD(30_000),
        downPayment: undefined,
        instalments: 2,
        frequency: promises.PlanFrequency.PLAN_FREQUENCY_WEEKLY,
        firstDate: '2026-03-10',
        channel: promises.PlanChannel.PLAN_CHANNEL_CALL,
        takenBy: promises.TakenBy.TAKEN_BY_BOT,
        agentId: '',
        idempotencyKey: `plan-${accountId}`,
      },
      md(),
    );
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', {
      paymentId: randomUUID(),
      accountId,
      amount: USD(30_000),
      balanceAfter: USD(0),
      postedAt: sut.clock.now(),
      reference: '',
      effectiveDate: '',
    });
    const completed = (await published(sut, 'collections.promises.v1.PlanCompleted')).find(
      (e) => e.planId === plan!.planId,
    );
    expect(completed).toBeDefined();
    return completed!;
  }

  const assessments = async (planId: string) =>
    (await published(sut, 'collections.promises.v1.RelapseRiskAssessed')).filter((e) => e.planId === planId);

  /** The plan's recorded relapse risks, oldest first: whether each was made no longer current by a reopening. */
  const recordedRisks = async (planId: string) =>
    (await sut.dataSource.query(
      `SELECT reopened_at IS NOT NULL AS reopened FROM promises.plan_relapse_risk WHERE plan_id = $1 ORDER BY assessed_at, reopened_at NULLS LAST`,
      [planId],
    )) as { reopened: boolean }[];

  /** The payment that completed the plan bounces: the plan is reopened; its PlanReopened. */
  async function reverseCompletingPayment(accountId: string, planId: string): Promise<promises.PlanReopened> {
    const [{ payment_id: paymentId }] = (await sut.dataSource.query(
      `SELECT payment_id FROM promises.plan_payment WHERE plan_id = $1 AND NOT reversed`,
      [planId],
    )) as { payment_id: string }[];
    await deliver(sut, 'collections.ledger.v1.PaymentReversed', {
      entryId: `rev-${paymentId}`,
      paymentId,
      accountId,
      amount: USD(30_000),
      reason: 'nsf',
    });
    const reopened = (await published(sut, 'collections.promises.v1.PlanReopened')).filter((e) => e.planId === planId);
    return reopened[reopened.length - 1];
  }

  /** The account pays the reopened plan in full again: the plan's PlanCompleted events so far. */
  async function payInFullAgain(accountId: string, planId: string): Promise<promises.PlanCompleted[]> {
    await deliver(sut, 'collections.ledger.v1.PaymentPosted', {
      paymentId: randomUUID(),
      accountId,
      amount: USD(30_000),
      balanceAfter: USD(0),
      postedAt: sut.clock.now(),
      reference: '',
      effectiveDate: '',
    });
    return (await published(sut, 'collections.promises.v1.PlanCompleted')).filter((e) => e.planId === planId);
  }

  it('scores the account when its plan completes and publishes the relapse risk once, even when redelivered', async () => {
    const accountId = await scoredAccount(1);
    const completed = await completePlan(accountId);
    const eventId = await deliver(
      sut,
      'collections.promises.v1.PlanCompleted',
      completed,
      undefined,
      'promises-relapse',
    );
    const [assessed] = await waitFor(async () => {
      const found = await assessments(completed.planId);
      return found.length > 0 ? found : undefined;
    });
    const score = await scoringClient.scoreAccount(
      { accountId },
      metadataFromPrincipalHeaders({ apiKey: scoringSut.apiKey }),
    );
    expect(assessed).toEqual({
      planId: completed.planId,
      accountId,
      ...(({ risk, level }) => ({ relapseRisk: risk, level }))(relapseRisk(score.probabilityToPay)),
      probabilityToPay: score.probabilityToPay,
      segment: score.segment,
      modelVersion: score.modelVersion,
      reasons: score.reasons,
      assessedAt: sut.clock.now(),
    });
    expect(assessed.reasons.length).toBeGreaterThan(0);

    await deliver(sut, 'collections.promises.v1.PlanCompleted', completed, eventId, 'promises-relapse'); // redelivery
    await deliver(sut, 'collections.promises.v1.PlanCompleted', completed, undefined, 'promises-relapse'); // republished
    expect(await assessments(completed.planId)).toHaveLength(1);
  });

  it('assesses a plan again when it completes again after a reversal reopened it, keeping the first assessment', async () => {
    const accountId = await scoredAccount(1);
    const completed = await completePlan(accountId);
    await deliver(sut, 'collections.promises.v1.PlanCompleted', completed, undefined, 'promises-relapse');
    expect(await assessments(completed.planId)).toHaveLength(1);

    // The payment that completed it bounces a minute later: the plan is reopened, then paid in full again.
    sut.clock.advance(60_000);
    const reopened = await reverseCompletingPayment(accountId, completed.planId);
    await deliver(sut, 'collections.promises.v1.PlanReopened', reopened, undefined, 'promises-relapse');
    sut.clock.advance(60_000);
    const again = await payInFullAgain(accountId, completed.planId);
    expect(again).toHaveLength(2);

    // The first completion published again (a new event id) before the second is consumed: it is
    // not the plan's current completion any more, so it records nothing.
    await deliver(sut, 'collections.promises.v1.PlanCompleted', completed, undefined, 'promises-relapse');
    expect(await assessments(completed.planId)).toHaveLength(1);

    await deliver(sut, 'collections.promises.v1.PlanCompleted', again[1], undefined, 'promises-relapse');
    const assessed = await assessments(completed.planId);
    expect(assessed).toHaveLength(2);
    expect(assessed[1].assessedAt).toEqual(sut.clock.now());
    expect(await recordedRisks(completed.planId)).toEqual([{ reopened: true }, { reopened: false }]);
  });

  it('records no relapse risk for a PlanCompleted replayed after its plan was reopened, and assesses its next completion', async () => {
    const accountId = await scoredAccount(1);
    const completed = await completePlan(accountId);
    // Its PlanCompleted is dead-lettered (scoring unreachable, say); meanwhile the payment that
    // completed the plan bounces and the plan is active again.
    sut.clock.advance(60_000);
    const reopened = await reverseCompletingPayment(accountId, completed.planId);
    await deliver(sut, 'collections.promises.v1.PlanReopened', reopened, undefined, 'promises-relapse');

    // The dead letter is replayed: the plan is running, not completed, so nothing is recorded.
    await deliver(sut, 'collections.promises.v1.PlanCompleted', completed, undefined, 'promises-relapse');
    expect(await assessments(completed.planId)).toEqual([]);
    expect(await recordedRisks(completed.planId)).toEqual([]);

    // The debtor pays it in full again: that completion is the current one, and it is assessed.
    sut.clock.advance(60_000);
    const again = await payInFullAgain(accountId, completed.planId);
    expect(again).toHaveLength(2);
    await deliver(sut, 'collections.promises.v1.PlanCompleted', again[1], undefined, 'promises-relapse');
    const assessed = await assessments(completed.planId);
    expect(assessed).toHaveLength(1);
    expect(assessed[0].assessedAt).toEqual(sut.clock.now());
    expect(await recordedRisks(completed.planId)).toEqual([{ reopened: false }]);

    // The old completion replayed once more changes nothing.
    await deliver(sut, 'collections.promises.v1.PlanCompleted', completed, undefined, 'promises-relapse');
    expect(await assessments(completed.planId)).toHaveLength(1);
  });

  it('assesses only the current completion when an earlier completion’s PlanCompleted is consumed after the plan completed again', async () => {
    const accountId = await scoredAccount(1);
    const completed = await completePlan(accountId);
    // The relapse consumer lags: before it reads the plan's first PlanCompleted, the payment that
    // completed the plan bounces and the debtor pays it in full again.
    sut.clock.advance(60_000);
    const reopened = await reverseCompletingPayment(accountId, completed.planId);
    sut.clock.advance(60_000);
    const again = await payInFullAgain(accountId, completed.planId);
    expect([completed.completion, reopened.completion, again[1].completion]).toEqual([1, 1, 2]);

    // The first completion, read while the plan is completed (a second time): not the current one.
    await deliver(sut, 'collections.promises.v1.PlanCompleted', completed, undefined, 'promises-relapse');
    await deliver(sut, 'collections.promises.v1.PlanReopened', reopened, undefined, 'promises-relapse');
    expect(await assessments(completed.planId)).toEqual([]);

    const currentId = await deliver(
      sut,
      'collections.promises.v1.PlanCompleted',
      again[1],
      undefined,
      'promises-relapse',
    );
    expect(await assessments(completed.planId)).toHaveLength(1);

    // Redelivered, republished, or the first completion's events again: nothing new, and the
    // current completion's risk stays current.
    await deliver(sut, 'collections.promises.v1.PlanCompleted', again[1], currentId, 'promises-relapse');
    await deliver(sut, 'collections.promises.v1.PlanCompleted', again[1], undefined, 'promises-relapse');
    await deliver(sut, 'collections.promises.v1.PlanCompleted', completed, undefined, 'promises-relapse');
    await deliver(sut, 'collections.promises.v1.PlanReopened', reopened, undefined, 'promises-relapse');
    expect(await assessments(completed.planId)).toHaveLength(1);
    expect(await recordedRisks(completed.planId)).toEqual([{ reopened: false }]);
  });

  it('assesses a plan’s second completion when the first one’s PlanReopened comes only after it', async () => {
    const accountId = await scoredAccount(1);
    const completed = await completePlan(accountId);
    await deliver(sut, 'collections.promises.v1.PlanCompleted', completed, undefined, 'promises-relapse');
    expect(await assessments(completed.planId)).toHaveLength(1);

    // The plan is reopened and completed again; its PlanReopened is dead-lettered, and replayed
    // only after the second PlanCompleted was consumed.
    sut.clock.advance(60_000);
    const reopened = await reverseCompletingPayment(accountId, completed.planId);
    sut.clock.advance(60_000);
    const again = await payInFullAgain(accountId, completed.planId);
    await deliver(sut, 'collections.promises.v1.PlanCompleted', again[1], undefined, 'promises-relapse');
    const assessed = await assessments(completed.planId);
    expect(assessed).toHaveLength(2);
    expect(assessed[1].assessedAt).toEqual(sut.clock.now());
    expect(await recordedRisks(completed.planId)).toEqual([{ reopened: true }, { reopened: false }]);

    // The late PlanReopened withdraws the first completion, not the current one; the first
    // completion's PlanCompleted replayed assesses nothing.
    await deliver(sut, 'collections.promises.v1.PlanReopened', reopened, undefined, 'promises-relapse');
    await deliver(sut, 'collections.promises.v1.PlanCompleted', completed, undefined, 'promises-relapse');
    expect(await assessments(completed.planId)).toHaveLength(2);
    expect(await recordedRisks(completed.planId)).toEqual([{ reopened: true }, { reopened: false }]);
  });

  it('rates an account that paid little before the plan as riskier than one that always paid', async () => {
    const [good, poor] = await Promise.all([scoredAccount(1), scoredAccount(0.1)]);
    const risks: number[] = [];
    for (const accountId of [good, poor]) {
      const completed = await completePlan(accountId);
      await deliver(sut, 'collections.promises.v1.PlanCompleted', completed, undefined, 'promises-relapse');
      risks.push((await assessments(completed.planId))[0].relapseRisk);
    }
    expect(risks[1]).toBeGreaterThan(risks[0]);
  });
});

describe(relapseRisk.name, () => {
  it('is the complement of the probability to pay, banded low / medium / high', () => {
    const L = promises.RelapseRiskLevel;
    expect(relapseRisk(0.9)).toEqual({ risk: 0.1, level: L.RELAPSE_RISK_LEVEL_LOW });
    expect(relapseRisk(0.7)).toEqual({ risk: 0.3, level: L.RELAPSE_RISK_LEVEL_MEDIUM });
    expect(relapseRisk(0.2)).toEqual({ risk: 0.8, level: L.RELAPSE_RISK_LEVEL_HIGH });
    expect(relapseRisk(1.2).risk).toBe(0);
  });
});
