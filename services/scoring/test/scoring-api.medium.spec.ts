import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { EventPayload, EventType, decodePayload, ledger, scoring } from '@collections/contracts';
import { EventHandlers } from '@collections/messaging';
import { grpcClient, metadataFromPrincipalHeaders, runWithPrincipal } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { armOf } from '../src/scores/domain/model-assignment';
import { featureStoreHandlers } from '../src/scores/feature-store.consumer';
import { ChampionChallengerConfig, LiveModels } from '../src/scores/live-models';
import { MAX_BATCH_ITEMS } from '../src/scores/usecases/read-scores.usecase';
import { RescoreAccountUseCase } from '../src/scores/usecases/rescore-account.usecase';
import { SegmentRulesUseCase } from '../src/scores/usecases/segment-rules.usecase';
import { ScoresRepository } from '../src/scores/scores.repository';
import { createScoringService } from '../src/scoring.service';
import { handleLedgerEvent } from './support/ledger-events';

const S = scoring.Segment;
const MODELS: ChampionChallengerConfig = { champion: 'uci-gbdt-v1', challenger: 'uci-logit-v1', challengerShare: 0.5 };
const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];

describe('scoring API (gRPC and REST, real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let client: ReturnType<typeof grpcClient<typeof scoring.ScoringServiceService>>;
  let md: () => Metadata;
  let handlers: EventHandlers;
  let models: LiveModels;
  let n = 0;

  beforeAll(async () => {
    sut = await startServiceUnderTest(createScoringService({ models: MODELS }));
    client = grpcClient(scoring.ScoringServiceService, sut.app.grpcAddress);
    md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
    // the service's own handlers and models, fed here as the consumer would feed them from the ledger's topics
    models = LiveModels.load(MODELS);
    handlers = featureStoreHandlers(new RescoreAccountUseCase(sut.clock, models));
  });
  afterAll(async () => {
    client.close();
    await sut.close();
  });

  const deliver = <T extends EventType>(type: T, payload: EventPayload<T>, key: string) =>
    handleLedgerEvent(sut, handlers, type, payload, key);

  const usd = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

  /** Six monthly cycles (bills and payments in cents, statuses as reported), then the balance. */
  async function newAccount(
    cycles: { bill: number; paid: number; status: number }[] = MONTHS.map(() => ({
      bill: 50_000,
      paid: 50_000,
      status: -1,
    })),
    balance = { minor: 100_000, daysPastDue: 0 },
  ): Promise<string> {
    const id = `acct-${++n}`;
    await deliver(
      'collections.ledger.v1.AccountOpened',
      ledger.AccountOpened.fromPartial({ accountId: id, currency: 'USD', creditLimitMinor: 2_000_000 }),
      id,
    );
    for (const [i, c] of cycles.entries()) {
      await deliver(
        'collections.ledger.v1.StatementIssued',
        ledger.StatementIssued.fromPartial({
          accountId: id,
          cycle: i + 1,
          statementDate: `${MONTHS[i]}-05`,
          amountDue: usd(c.bill),
          hasReportedStatus: true,
          reportedStatus: c.status,
        }),
        id,
      );
      if (c.paid > 0) {
        await deliver(
          'collections.ledger.v1.PaymentPosted',
          ledger.PaymentPosted.fromPartial({
            accountId: id,
            paymentId: `${id}-p${i}`,
            amount: usd(c.paid),
            postedAt: new Date(`${MONTHS[i]}-20T12:00:00Z`),
          }),
          id,
        );
      }
    }
    await deliver(
      'collections.ledger.v1.BalanceChanged',
      ledger.BalanceChanged.fromPartial({
        balance: { accountId: id, total: usd(balance.minor), daysPastDue: balance.daysPastDue },
      }),
      id,
    );
    return id;
  }

  async function published<T extends EventType>(type: T, accountId: string): Promise<EventPayload<T>[]> {
    const rows = (await sut.dataSource.query(
      `SELECT payload FROM scoring.outbox WHERE key = $1 AND headers->>'ce_type' = $2 ORDER BY id`,
      [accountId, type],
    )) as { payload: Buffer }[];
    return rows.map((r) => decodePayload(type, r.payload));
  }

  const failure = (p: Promise<unknown>) =>
    p.then(
      () => ({ code: status.OK, details: '' }),
      (err: ServiceError) => ({ code: err.code, details: err.details }),
    );

  it('answers the platform default segment rules until the tenant sets its own', async () => {
    const { rules } = await client.getSegmentRules({}, md());
    expect(rules?.version).toBe(0);
    expect(rules?.defaultSegment).toBe(S.SEGMENT_LEGAL_OR_HUMAN);
    expect(rules?.rules.map((r) => r.name)).toEqual([
      'nothing-owed',
      'early-and-likely-to-pay',
      'long-overdue-and-unlikely',
      'likely-to-pay',
      'struggling',
    ]);
  });

  it('scores an account from its ledger events, with its priority by expected recovery', async () => {
    const id = await newAccount(undefined, { minor: 100_000, daysPastDue: 0 });
    const score = await client.scoreAccount({ accountId: id, modelVersion: '' }, md());
    expect(score.modelVersion).toBe(models.champion.version);
    expect(score.balance).toEqual(usd(100_000));
    expect(score.expectedRecovery).toEqual(usd(Math.round(score.probabilityToPay * 100_000)));
    expect(score.priority).toBeCloseTo(Math.round(score.probabilityToPay * 100_000), 6);
    expect(score.reasons.length).toBeGreaterThan(0);
    expect(score.imputedFeatures).toEqual(['education_level']); // the ledger keeps no education
    // a caller that leaves model_version out (built before it existed) gets the champion's score
    expect(await client.scoreAccount({ accountId: id }, md())).toEqual(score);
    const [event] = (await published('collections.scoring.v1.AccountScored', id)).slice(-1);
    expect(event).toMatchObject({ accountId: id, priority: score.priority, segment: score.segment });
  });

  it("segments by the tenant's rules, and publishes SegmentChanged only when the segment moves", async () => {
    const set = await client.setSegmentRules(
      {
        rules: [
          { name: 'late', segment: S.SEGMENT_LEGAL_OR_HUMAN, minDaysPastDue: 90, currency: '' },
          { name: 'big-usd-balance', segment: S.SEGMENT_HARDSHIP, minBalanceMinor: 10_000_000, currency: 'USD' },
        ],
        defaultSegment: S.SEGMENT_NEGOTIATE,
      },
      md(),
    );
    expect(set.rules?.version).toBe(1);
    const id = await newAccount();
    expect(await client.scoreAccount({ accountId: id, modelVersion: '' }, md())).toMatchObject({
      segment: S.SEGMENT_NEGOTIATE,
      segmentRule: 'default',
    });

    await deliver(
      'collections.ledger.v1.DelinquencyChanged',
      ledger.DelinquencyChanged.fromPartial({ accountId: id, daysPastDue: 120, bucket: '91-120' }),
      id,
    );
    const late = await client.scoreAccount({ accountId: id, modelVersion: '' }, md());
    expect(late).toMatchObject({ segment: S.SEGMENT_LEGAL_OR_HUMAN, segmentRule: 'late', daysPastDue: 120 });
    // a payment rescores the account but leaves it where it is
    await deliver(
      'collections.ledger.v1.PaymentPosted',
      ledger.PaymentPosted.fromPartial({
        accountId: id,
        paymentId: `${id}-x`,
        amount: usd(100),
        postedAt: sut.clock.now(),
      }),
      id,
    );

    const changes = await published('collections.scoring.v1.SegmentChanged', id);
    expect(changes.map((c) => [c.previousSegment, c.segment, c.segmentRule])).toEqual([
      [S.SEGMENT_UNSPECIFIED, S.SEGMENT_NEGOTIATE, 'default'],
      [S.SEGMENT_NEGOTIATE, S.SEGMENT_LEGAL_OR_HUMAN, 'late'],
    ]);
    const scored = await published('collections.scoring.v1.AccountScored', id);
    expect(scored.length).toBeGreaterThan(changes.length);
    expect(scored.at(-1)).toMatchObject({ segment: S.SEGMENT_LEGAL_OR_HUMAN, daysPastDue: 120 });
  });

  it('publishes one unbroken chain of SegmentChanged when events for one account are handled concurrently', async () => {
    await client.setSegmentRules(
      {
        rules: [{ name: 'late', segment: S.SEGMENT_LEGAL_OR_HUMAN, minDaysPastDue: 90, currency: '' }],
        defaultSegment: S.SEGMENT_NEGOTIATE,
      },
      md(),
    );
    const id = await newAccount();
    // balance events and delinquency moves arrive on another topic than cycles and payments: in parallel
    await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        i % 3 === 0
          ? deliver(
              'collections.ledger.v1.PaymentPosted',
              ledger.PaymentPosted.fromPartial({
                accountId: id,
                paymentId: `${id}-c${i}`,
                amount: usd(10),
                postedAt: sut.clock.now(),
              }),
              id,
            )
          : deliver(
              'collections.ledger.v1.DelinquencyChanged',
              ledger.DelinquencyChanged.fromPartial({ accountId: id, daysPastDue: i % 2 ? 120 : 0 }),
              id,
            ),
      ),
    );
    const changes = await published('collections.scoring.v1.SegmentChanged', id);
    for (let i = 1; i < changes.length; i++) {
      expect(changes[i].previousSegment).toBe(changes[i - 1].segment);
      expect(changes[i].segment).not.toBe(changes[i].previousSegment);
    }
    const stored = await client.scoreAccount({ accountId: id, modelVersion: '' }, md());
    expect(changes.at(-1)?.segment).toBe(stored.segment);
  });

  it('refuses segment rules that cannot be meant, and keeps each tenant its own', async () => {
    const refused = await failure(
      client.setSegmentRules(
        {
          rules: [
            {
              name: 'odd',
              segment: S.SEGMENT_SELF_CURE,
              minProbabilityToPay: 0.9,
              maxProbabilityToPay: 0.2,
              currency: '',
            },
          ],
          defaultSegment: S.SEGMENT_NEGOTIATE,
        },
        md(),
      ),
    );
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect(refused.details).toContain('rules[0].minProbabilityToPay');
    expect(
      (await failure(client.setSegmentRules({ rules: [], defaultSegment: S.SEGMENT_UNSPECIFIED }, md()))).code,
    ).toBe(status.INVALID_ARGUMENT);
    const other = metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
    expect((await client.getSegmentRules({}, other)).rules?.version).toBe(0);
  });

  it('records both scores for accounts in the challenger arm, and only the champion drives the segment', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 12; i++) ids.push(await newAccount());
    const scores = await Promise.all(ids.map((id) => client.scoreAccount({ accountId: id, modelVersion: '' }, md())));
    const arms = scores.map((s) => s.modelArm);
    expect(arms).toEqual(ids.map((id) => armOf(sut.tenant, id, MODELS.challengerShare)));
    expect(new Set(arms)).toEqual(new Set(['champion', 'challenger']));
    // AccountScored carries the arm, so that reporting can compare the arms' recovery.
    for (const [i, id] of ids.entries()) {
      const [event] = (await published('collections.scoring.v1.AccountScored', id)).slice(-1);
      expect(event.modelArm).toBe(arms[i]);
    }
    for (const s of scores) {
      expect(s.modelVersion).toBe(models.champion.version);
      if (s.modelArm === 'challenger') {
        expect(s.challenger?.modelVersion).toBe(models.challenger!.version);
        expect(s.challenger?.probabilityToPay).not.toBe(s.probabilityToPay);
        const asked = await client.scoreAccount(
          { accountId: s.accountId, modelVersion: models.challenger!.version },
          md(),
        );
        expect(asked).toMatchObject({
          modelVersion: models.challenger!.version,
          probabilityToPay: s.challenger!.probabilityToPay,
          segment: s.challenger!.segment,
        });
      } else {
        expect(s.challenger).toBeUndefined();
        const asked = await failure(
          client.scoreAccount({ accountId: s.accountId, modelVersion: models.challenger!.version }, md()),
        );
        expect(asked.code).toBe(status.NOT_FOUND);
      }
    }
    const unknown = await failure(client.scoreAccount({ accountId: ids[0], modelVersion: 'uci-gbdt-v0#123' }, md()));
    expect(unknown.code).toBe(status.NOT_FOUND);
    expect(unknown.details).toContain('is not live');
  });

  it('answers a batch of accounts in order, one result each, a missing account failing only itself', async () => {
    const [a, b] = [await newAccount(), await newAccount()];
    const { results } = await client.scoreBatch(
      { accountIds: [a, 'no-such-account', b, a], rows: [], modelVersion: '' },
      md(),
    );
    expect(results.map((r) => r.id)).toEqual([a, 'no-such-account', b, a]);
    expect(results.map((r) => (r.score ? 'score' : r.error?.code))).toEqual(['score', 'NOT_FOUND', 'score', 'score']);
    const single = await client.scoreAccount({ accountId: b, modelVersion: '' }, md());
    expect(results[2].score).toEqual(single);
    const other = metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
    const foreign = await client.scoreBatch({ accountIds: [a], rows: [], modelVersion: '' }, other);
    expect(foreign.results[0].error?.code).toBe('NOT_FOUND');
    const tooMany = Array.from({ length: MAX_BATCH_ITEMS + 1 }, (_, i) => `acct-${i}`);
    const refused = await failure(client.scoreBatch({ accountIds: tooMany, rows: [], modelVersion: '' }, md()));
    expect(refused.code).toBe(status.INVALID_ARGUMENT);
    expect((await client.scoreBatch({ accountIds: [], rows: [], modelVersion: '' }, md())).results).toEqual([]);
  });

  it("answers many concurrent ScoreAccount calls each with its own account's score, and never another tenant's", async () => {
    const troubled = MONTHS.map(() => ({ bill: 80_000, paid: 0, status: 3 }));
    const ids = [await newAccount(), await newAccount(troubled, { minor: 900_000, daysPastDue: 120 })];
    const alone = await Promise.all(ids.map((id) => client.scoreAccount({ accountId: id, modelVersion: '' }, md())));
    expect(alone[0].probabilityToPay).not.toBe(alone[1].probabilityToPay);
    const other = metadataFromPrincipalHeaders({ apiKey: sut.otherApiKey });
    const calls = Array.from({ length: 60 }, (_, i) => {
      const id = i % 3 === 2 ? 'no-such-account' : ids[i % 3];
      return i % 4 === 3
        ? failure(client.scoreAccount({ accountId: id, modelVersion: '' }, other))
        : client.scoreAccount({ accountId: id, modelVersion: '' }, md()).then(
            (score) => score,
            (err: ServiceError) => ({ code: err.code, details: err.details }),
          );
    });
    const answers = await Promise.all(calls);
    answers.forEach((answer, i) => {
      if (i % 4 === 3) expect(answer).toMatchObject({ code: status.NOT_FOUND });
      else if (i % 3 === 2) expect(answer).toMatchObject({ code: status.NOT_FOUND });
      else expect(answer).toEqual(alone[i % 3]);
    });
  });

  it('scores explicit feature rows exactly as the stored score, imputes and flags what is missing, refuses NaN and Infinity per row', async () => {
    const cycles = MONTHS.map((_, i) => ({ bill: 80_000 + i * 10_000, paid: i % 2 ? 10_000 : 0, status: i % 3 }));
    const id = await newAccount(cycles, { minor: 150_000, daysPastDue: 40 });
    const stored = await client.scoreAccount({ accountId: id, modelVersion: '' }, md());
    const statements = cycles.map((c) => ({ bill: c.bill / 100, paid: c.paid / 100, status: c.status })).reverse();
    const row = (rowId: string, over: Partial<scoring.FeatureRow> = {}): scoring.FeatureRow => ({
      rowId,
      creditLimit: 20_000,
      statements,
      balance: usd(150_000),
      daysPastDue: 40,
      ...over,
    });
    const { results } = await client.scoreBatch(
      {
        accountIds: [],
        rows: [
          row('same-as-stored'),
          row('nan-paid', { statements: [{ bill: 100, paid: NaN, status: 0 }, ...statements.slice(1)] }),
          row('infinite-limit', { creditLimit: Infinity }),
          row('two-months', { statements: statements.slice(0, 2) }),
          row('negative-days', { daysPastDue: -1 }),
        ],
        modelVersion: '',
      },
      md(),
    );
    expect(results.map((r) => r.id)).toEqual([
      'same-as-stored',
      'nan-paid',
      'infinite-limit',
      'two-months',
      'negative-days',
    ]);
    expect(results[0].score).toMatchObject({
      probabilityToPay: stored.probabilityToPay,
      segment: stored.segment,
      reasons: stored.reasons,
      priority: stored.priority,
    });
    expect(results[1].error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'statements[0].paid' });
    expect(results[2].error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'credit_limit' });
    expect(results[4].error).toMatchObject({ code: 'INVALID_ARGUMENT', field: 'days_past_due' });
    const thin = results[3].score!;
    expect(thin.imputedFeatures).toEqual(expect.arrayContaining(['status_m2', 'payment_ratio_6m', 'education_level']));
    expect(thin.reasons.some((r) => r.includes('estimated'))).toBe(true);

    const both = await failure(client.scoreBatch({ accountIds: [id], rows: [row('r')], modelVersion: '' }, md()));
    expect(both.code).toBe(status.INVALID_ARGUMENT);
    const unknown = await failure(client.scoreBatch({ accountIds: [], rows: [row('r')], modelVersion: 'nope' }, md()));
    expect(unknown.code).toBe(status.NOT_FOUND);
  });

  it("re-segments the tenant's scored accounts when its rules change, publishing SegmentChanged for those that move", async () => {
    await client.setSegmentRules({ rules: [], defaultSegment: S.SEGMENT_NEGOTIATE }, md());
    const [small, big] = [
      await newAccount(undefined, { minor: 1_000, daysPastDue: 0 }),
      await newAccount(undefined, { minor: 9_000_000, daysPastDue: 0 }),
    ];
    expect((await client.scoreAccount({ accountId: big }, md())).segment).toBe(S.SEGMENT_NEGOTIATE);

    const set = await client.setSegmentRules(
      {
        rules: [{ name: 'big-balance', segment: S.SEGMENT_LEGAL_OR_HUMAN, minBalanceMinor: 5_000_000, currency: '' }],
        defaultSegment: S.SEGMENT_NEGOTIATE,
      },
      md(),
    );
    expect(set.resegmentedAccounts).toBeGreaterThanOrEqual(1);
    expect(await client.scoreAccount({ accountId: big }, md())).toMatchObject({
      segment: S.SEGMENT_LEGAL_OR_HUMAN,
      segmentRule: 'big-balance',
    });
    expect(await client.scoreAccount({ accountId: small }, md())).toMatchObject({ segment: S.SEGMENT_NEGOTIATE });
    const moves = await published('collections.scoring.v1.SegmentChanged', big);
    expect(moves.at(-1)).toMatchObject({
      previousSegment: S.SEGMENT_NEGOTIATE,
      segment: S.SEGMENT_LEGAL_OR_HUMAN,
      segmentRule: 'big-balance',
      balance: usd(9_000_000),
    });
    expect((await published('collections.scoring.v1.SegmentChanged', small)).length).toBe(1); // its first score only

    // page by page (here 7 accounts a page), every scored account of the tenant is reached
    const paged = new SegmentRulesUseCase(
      sut.dataSource,
      sut.clock,
      sut.context.backbone.outbox,
      new ScoresRepository(),
      7,
    );
    const everyone = await runWithPrincipal({ tenantId: sut.tenant, subject: 'test', kind: 'api-key', roles: [] }, () =>
      paged.set(sut.tenant, [], S.SEGMENT_HARDSHIP),
    );
    const [{ count, others }] = (await sut.dataSource.query(
      `SELECT count(*)::int AS count, count(*) FILTER (WHERE segment <> $2)::int AS others
         FROM scoring.account_score WHERE tenant_id = $1`,
      [sut.tenant, S.SEGMENT_HARDSHIP],
    )) as { count: number; others: number }[];
    expect(count).toBeGreaterThan(7);
    expect(others).toBe(0);
    expect(everyone.resegmented).toBeGreaterThan(0);

    // setting the same rules again moves nobody
    const again = await client.setSegmentRules({ rules: [], defaultSegment: S.SEGMENT_HARDSHIP }, md());
    expect(again.resegmentedAccounts).toBe(0);
  });

  it('serves the same API over REST', async () => {
    const headers = { 'x-api-key': sut.apiKey, 'content-type': 'application/json' };
    const id = await newAccount();
    const one = await fetch(`${sut.app.httpUrl}/v1/scoring/accounts/${id}/score`, { headers });
    expect(one.status).toBe(200);
    expect(((await one.json()) as { accountId: string }).accountId).toBe(id);

    const batch = await fetch(`${sut.app.httpUrl}/v1/scoring/scores/batch`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        rows: [
          { rowId: 'ok', creditLimit: 1000, statements: [{ bill: 500, paid: 500, status: -1 }] },
          { rowId: 'nan', creditLimit: 'NaN', statements: [] },
        ],
      }),
    });
    expect(batch.status).toBe(200);
    const body = (await batch.json()) as { results: { id: string; score?: unknown; error?: { code: string } }[] };
    expect(body.results.map((r) => [r.id, r.error?.code ?? 'scored'])).toEqual([
      ['ok', 'scored'],
      ['nan', 'INVALID_ARGUMENT'],
    ]);

    const badRules = await fetch(`${sut.app.httpUrl}/v1/scoring/segment-rules`, {
      method: 'PUT',
      headers,
      body: JSON.stringify({
        rules: [{ name: 'x', segment: 'SEGMENT_SELF_CURE', currency: 'usd' }],
        defaultSegment: 2,
      }),
    });
    expect(badRules.status).toBe(400);
    const missing = await fetch(`${sut.app.httpUrl}/v1/scoring/accounts/nobody/score?modelVersion=nope`, { headers });
    expect(missing.status).toBe(404);
  });
});
