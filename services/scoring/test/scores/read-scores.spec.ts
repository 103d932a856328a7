import { DataSource, EntityManager } from 'typeorm';
import { scoring } from '@collections/contracts';
import { ScoresException } from '../../src/scores/domain/scores.exception';
import { LiveModels } from '../../src/scores/live-models';
import { ScoreCache } from '../../src/scores/score-cache';
import { ScoreRow, ScoresRepository } from '../../src/scores/scores.repository';
import { ReadScoresUseCase } from '../../src/scores/usecases/read-scores.usecase';

const MODELS = LiveModels.load({ champion: 'uci-gbdt-v1', challengerShare: 0 });

function scoreRow(accountId: string, probabilityToPay: number): ScoreRow {
  return {
    account_id: accountId,
    probability_to_pay: probabilityToPay,
    segment: scoring.Segment.SEGMENT_NEGOTIATE,
    segment_rule: 'struggling',
    model_version: MODELS.champion.version,
    reasons: ['r'],
    imputed_features: [],
    scored_at: new Date('2026-03-02T15:00:00Z'),
    currency: 'USD',
    balance_minor: '100000',
    days_past_due: 30,
    expected_recovery_minor: String(Math.round(probabilityToPay * 100_000)),
    priority: probabilityToPay * 100_000,
    model_arm: 'champion',
    challenger_model_version: null,
    challenger_probability_to_pay: null,
    challenger_segment: null,
    challenger_reasons: null,
  };
}

/**
 * The stored scores as PostgreSQL would answer them: a lookup sees what was stored when it was
 * sent, and answers when the test lets it (so lookups can be held in flight).
 */
class StoredScores extends ScoresRepository {
  readonly rows = new Map<string, Map<string, ScoreRow>>();
  readonly held: { release: () => void; fail: (err: Error) => void }[] = [];
  lookups = 0;
  hold = true;

  store(tenantId: string, accountId: string, probabilityToPay: number): void {
    if (!this.rows.has(tenantId)) this.rows.set(tenantId, new Map());
    this.rows.get(tenantId)?.set(accountId, scoreRow(accountId, probabilityToPay));
  }

  override scores(
    _tx: EntityManager,
    keys: readonly { tenantId: string; accountId: string }[],
  ): Promise<Map<string, Map<string, ScoreRow>>> {
    this.lookups++;
    const snapshot = new Map<string, Map<string, ScoreRow>>();
    for (const { tenantId, accountId } of keys) {
      const row = this.rows.get(tenantId)?.get(accountId);
      if (!row) continue;
      if (!snapshot.has(tenantId)) snapshot.set(tenantId, new Map());
      snapshot.get(tenantId)?.set(accountId, { ...row });
    }
    if (!this.hold) return Promise.resolve(snapshot);
    return new Promise((resolve, reject) =>
      this.held.push({ release: () => resolve(snapshot), fail: (err: Error) => reject(err) }),
    );
  }

  releaseAll(): void {
    this.held.splice(0).forEach((h) => h.release());
  }
}

/** Lets every answered lookup hand its reads back and the queued reads go out. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

const probability = (answer: scoring.ScoreAccountResponse | ScoresException) =>
  answer instanceof ScoresException ? answer.code : answer.probabilityToPay;

describe(ReadScoresUseCase.name, () => {
  let store: StoredScores;
  let sut: ReadScoresUseCase;

  beforeEach(() => {
    store = new StoredScores();
    sut = new ReadScoresUseCase({ manager: {} } as DataSource, MODELS, store);
  });

  /** Answers every lookup, and every lookup the answers let go out, until none is left. */
  async function answerAll(): Promise<void> {
    do {
      store.releaseAll();
      await settle();
    } while (store.held.length > 0);
  }

  it('answers a read that arrives while others are being looked up with the score stored before it arrived', async () => {
    store.store('t1', 'acct-1', 0.1);
    const early = [sut.one('t1', 'acct-1', ''), sut.one('t1', 'acct-1', '')];
    store.store('t1', 'acct-1', 0.2); // a re-score commits while the early reads are in flight
    const late = Array.from({ length: 5 }, () => sut.one('t1', 'acct-1', ''));
    await answerAll();
    expect((await Promise.all(early)).map(probability)).toEqual([0.1, 0.1]);
    expect((await Promise.all(late)).map(probability)).toEqual([0.2, 0.2, 0.2, 0.2, 0.2]);
  });

  it("lets reads of many tenants share a lookup, each answered only from its own tenant's scores", async () => {
    store.store('t1', 'acct-1', 0.3);
    store.store('t2', 'acct-1', 0.7);
    store.store('t2', 'acct-2', 0.9);
    const busy = [sut.one('t1', 'acct-9', ''), sut.one('t2', 'acct-9', '')].map((p) => p.catch((e: unknown) => e));
    const reads = [
      sut.many('t1', ['acct-1', 'acct-2'], ''),
      sut.many('t2', ['acct-1', 'acct-2'], ''),
      sut.many('t3', ['acct-1'], ''),
      sut.many('t1', ['acct-1'], ''),
    ];
    await answerAll(); // the busy reads come back, then the four queued reads go out together
    const answers = (await Promise.all(reads)).map((a) => a.map(probability));
    expect(answers).toEqual([[0.3, 'NOT_SCORED'], [0.7, 0.9], ['NOT_SCORED'], [0.3]]);
    expect(store.lookups).toBe(3);
    await Promise.all(busy);
  });

  it('fails only the reads a failed lookup carried; the next read is answered', async () => {
    store.store('t1', 'acct-1', 0.4);
    const failed = sut.one('t1', 'acct-1', '');
    store.held.splice(0).forEach((h) => h.fail(new Error('connection terminated')));
    await expect(failed).rejects.toThrow('connection terminated');
    store.hold = false;
    expect(probability(await sut.one('t1', 'acct-1', ''))).toBe(0.4);
  });

  it('answers an empty batch without a lookup, and refuses an unknown model version before any', async () => {
    store.hold = false;
    expect(await sut.many('t1', [], '')).toEqual([]);
    await expect(sut.many('t1', ['acct-1'], 'no-such-model#0')).rejects.toThrow(ScoresException);
    expect(store.lookups).toBe(0);
  });
});

describe(`${ReadScoresUseCase.name} with a ${ScoreCache.name}`, () => {
  let store: StoredScores;
  let cache: ScoreCache;
  let sut: ReadScoresUseCase;

  beforeEach(() => {
    store = new StoredScores();
    store.hold = false;
    cache = new ScoreCache(3);
    cache.setLive(true);
    sut = new ReadScoresUseCase({ manager: {} } as DataSource, MODELS, store, cache);
  });

  it('answers a read score again from memory, each tenant only its own, with its reasons', async () => {
    store.store('t1', 'acct-1', 0.3);
    store.store('t2', 'acct-1', 0.7);
    expect(probability(await sut.one('t1', 'acct-1', ''))).toBe(0.3);
    expect(probability(await sut.one('t2', 'acct-1', ''))).toBe(0.7);
    expect(store.lookups).toBe(2);
    const again = await sut.one('t1', 'acct-1', '');
    expect(again.probabilityToPay).toBe(0.3);
    expect(again.reasons).toEqual(['r']);
    expect(probability(await sut.one('t2', 'acct-1', ''))).toBe(0.7);
    expect(store.lookups).toBe(2);
    await expect(sut.one('t3', 'acct-1', '')).rejects.toMatchObject({ code: 'NOT_SCORED' });
    // an unknown model version is refused even for a cached account
    await expect(sut.one('t1', 'acct-1', 'no-such-model#0')).rejects.toMatchObject({ code: 'UNKNOWN_MODEL_VERSION' });
  });

  it('reads a dropped score from the database again, and answers a batch from memory and the database together', async () => {
    store.store('t1', 'acct-1', 0.3);
    store.store('t1', 'acct-2', 0.4);
    await sut.one('t1', 'acct-1', '');
    store.store('t1', 'acct-1', 0.5);
    cache.invalidate('t1', 'acct-1');
    expect(probability(await sut.one('t1', 'acct-1', ''))).toBe(0.5);
    const lookups = store.lookups;
    expect((await sut.many('t1', ['acct-1', 'acct-2', 'acct-3'], '')).map(probability)).toEqual([
      0.5,
      0.4,
      'NOT_SCORED',
    ]);
    expect(store.lookups).toBe(lookups + 1); // acct-2 and acct-3 only
  });

  it('never keeps a score read before a change of it was heard', async () => {
    store.hold = true;
    store.store('t1', 'acct-1', 0.3);
    store.store('t1', 'acct-2', 0.4);
    const read = sut.many('t1', ['acct-1', 'acct-2'], '');
    store.store('t1', 'acct-1', 0.6); // committed while the lookup is in flight, its snapshot the old one
    cache.invalidate('t1', 'acct-1');
    store.releaseAll();
    expect((await read).map(probability)).toEqual([0.3, 0.4]);
    store.hold = false;
    const lookups = store.lookups;
    expect(probability(await sut.one('t1', 'acct-1', ''))).toBe(0.6); // not kept: read again
    expect(probability(await sut.one('t1', 'acct-2', ''))).toBe(0.4); // unchanged: kept
    expect(store.lookups).toBe(lookups + 1);
  });

  it('answers nothing from memory while off, and forgets everything when turned off', async () => {
    store.store('t1', 'acct-1', 0.3);
    await sut.one('t1', 'acct-1', '');
    cache.setLive(false);
    store.store('t1', 'acct-1', 0.8);
    expect(probability(await sut.one('t1', 'acct-1', ''))).toBe(0.8);
    expect(cache.size).toBe(0);
    cache.setLive(true);
    expect(probability(await sut.one('t1', 'acct-1', ''))).toBe(0.8);
    expect(cache.size).toBe(1);
  });

  it('keeps at most its size, the score kept first going first', async () => {
    for (const id of ['a', 'b', 'c', 'd']) store.store('t1', id, 0.1);
    for (const id of ['a', 'b', 'c', 'a', 'd']) await sut.one('t1', id, '');
    expect(cache.size).toBe(3);
    expect(cache.get('t1', 'a')).toBeUndefined();
    expect(cache.get('t1', 'b')).toBeDefined();
  });
});
