import { DataSource } from 'typeorm';
import { scoring } from '@collections/contracts';
import { priorityOf } from '../domain/priority';
import { ScoresErrorCode, ScoresException } from '../domain/scores.exception';
import { LiveModel, LiveModels } from '../live-models';
import { ScoreCache } from '../score-cache';
import { ScoreRow, ScoresRepository } from '../scores.repository';

/** Most items one ScoreBatch call may carry. */
export const MAX_BATCH_ITEMS = 1_000;

const toMoney = (amountMinor: string | number | null, currency: string | null) =>
  amountMinor === null || !currency ? undefined : { amountMinor: Number(amountMinor), currency: currency.trim() };

/** A stored score row as the API answers it: the champion's score, with the challenger's beside it. */
export function mapScore(row: ScoreRow): scoring.ScoreAccountResponse {
  return {
    accountId: row.account_id,
    probabilityToPay: row.probability_to_pay,
    segment: row.segment,
    modelVersion: row.model_version,
    reasons: row.reasons,
    expectedRecovery: toMoney(row.expected_recovery_minor, row.currency),
    priority: row.priority,
    balance: toMoney(row.balance_minor, row.currency),
    daysPastDue: row.days_past_due,
    segmentRule: row.segment_rule,
    imputedFeatures: row.imputed_features,
    modelArm: row.model_arm,
    challenger:
      row.challenger_model_version === null
        ? undefined
        : {
            modelVersion: row.challenger_model_version,
            probabilityToPay: row.challenger_probability_to_pay ?? 0,
            segment: row.challenger_segment ?? scoring.Segment.SEGMENT_UNSPECIFIED,
            reasons: row.challenger_reasons ?? [],
          },
    scoredAt: row.scored_at,
  };
}

/** The same account seen through the challenger's score (its probability, segment, reasons and priority). */
function challengerView(row: ScoreRow): scoring.ScoreAccountResponse {
  const p = row.challenger_probability_to_pay ?? 0;
  const balanceMinor = row.balance_minor === null ? undefined : Number(row.balance_minor);
  const { expectedRecoveryMinor, priority } = priorityOf(p, balanceMinor, row.days_past_due);
  return {
    ...mapScore(row),
    probabilityToPay: p,
    segment: row.challenger_segment ?? scoring.Segment.SEGMENT_UNSPECIFIED,
    segmentRule: '',
    modelVersion: row.challenger_model_version ?? '',
    reasons: row.challenger_reasons ?? [],
    expectedRecovery: toMoney(expectedRecoveryMinor ?? null, row.currency),
    priority,
    challenger: undefined,
  };
}

/** Most (tenant, account) pairs one coalesced lookup carries; a bigger ScoreBatch still goes alone. */
const MAX_LOOKUP_KEYS = 2 * MAX_BATCH_ITEMS;
/** Lookups running at once: the rest of the pool stays for the consumers that write the scores. */
const MAX_IN_FLIGHT = 2;

interface PendingRead {
  tenantId: string;
  accountIds: readonly string[];
  resolve: (rows: Map<string, ScoreRow>) => void;
  reject: (err: unknown) => void;
}

/** One account's answer from its stored row (or its absence), for the live model asked for. */
function answerOf(
  id: string,
  row: ScoreRow | undefined,
  modelVersion: string,
  model: LiveModel,
): scoring.ScoreAccountResponse | ScoresException {
  if (!id) return new ScoresException(ScoresErrorCode.InvalidScoreRequest, 'account_id is required', 'account_id');
  if (!row) return new ScoresException(ScoresErrorCode.NotScored, `account ${id} has no score yet`);
  if (!modelVersion || row.model_version === model.version) return mapScore(row);
  if (row.challenger_model_version === model.version) return challengerView(row);
  return new ScoresException(
    ScoresErrorCode.NotScored,
    row.model_arm === 'champion'
      ? `account ${id} is in the champion arm: ${model.version} does not score it`
      : `account ${id} has no score from ${model.version} yet`,
  );
}

/**
 * Answers stored scores: the latest score of an account, or the live model version asked for (the
 * champion's, or the challenger's for accounts in its arm). Scores are computed when the ledger's
 * events arrive, so a read is one indexed lookup, or none when the account's row is in the
 * ScoreCache (which answers only while it hears every change of the stored scores; see there).
 *
 * Concurrent reads share that lookup (the reads' counterpart of the ledger's group commit): a read
 * queues, and a lookup takes whatever is queued, whatever the tenants, when fewer than
 * MAX_IN_FLIGHT are running. A read never joins a lookup already sent, so it sees every score
 * committed before it arrived, as a lookup of its own would; with one caller nothing waits.
 * From the cache, a read sees every score this process committed before it arrived, and a score
 * committed by another instance once that commit's notification has arrived (milliseconds).
 */
export class ReadScoresUseCase {
  private readonly queue: PendingRead[] = [];
  private inFlight = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly models: LiveModels,
    private readonly repo: ScoresRepository = new ScoresRepository(),
    private readonly cache?: ScoreCache,
  ) {}

  async one(tenantId: string, accountId: string, modelVersion: string): Promise<scoring.ScoreAccountResponse> {
    const model = this.models.byVersion(modelVersion); // an unknown version fails the call, cached or not
    const cached = accountId ? this.cache?.get(tenantId, accountId) : undefined;
    const result = cached
      ? answerOf(accountId, cached, modelVersion, model)
      : (await this.many(tenantId, [accountId], modelVersion))[0];
    if (result instanceof ScoresException) throw result;
    return result;
  }

  /** One answer per id, in order: a score, or the ScoresException that says why there is none. */
  async many(
    tenantId: string,
    accountIds: readonly string[],
    modelVersion: string,
  ): Promise<(scoring.ScoreAccountResponse | ScoresException)[]> {
    const model = this.models.byVersion(modelVersion); // an unknown version fails the whole call
    const rows = accountIds.length === 0 ? new Map<string, ScoreRow>() : await this.rowsOf(tenantId, accountIds);
    return accountIds.map((id) => answerOf(id, rows.get(id), modelVersion, model));
  }

  /** The cached rows of these accounts, and the others from the database (kept in the cache if still current). */
  private async rowsOf(tenantId: string, accountIds: readonly string[]): Promise<Map<string, ScoreRow>> {
    const cache = this.cache;
    if (!cache?.enabled) return this.lookup(tenantId, accountIds);
    const rows = new Map<string, ScoreRow>();
    const missing: string[] = [];
    for (const id of accountIds) {
      const row = id ? cache.get(tenantId, id) : undefined;
      if (row) rows.set(id, row);
      else if (id) missing.push(id);
    }
    if (missing.length === 0) return rows;
    const mark = cache.mark();
    const read = await this.lookup(tenantId, missing);
    cache.fill(mark, tenantId, read);
    for (const [id, row] of read) rows.set(id, row);
    return rows;
  }

  /** The tenant's stored scores of these accounts, keyed by account id, from the next lookup sent. */
  private lookup(tenantId: string, accountIds: readonly string[]): Promise<Map<string, ScoreRow>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ tenantId, accountIds, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < MAX_IN_FLIGHT && this.queue.length > 0) {
      let taken = 1;
      let keys = this.queue[0].accountIds.length;
      while (taken < this.queue.length && keys + this.queue[taken].accountIds.length <= MAX_LOOKUP_KEYS) {
        keys += this.queue[taken++].accountIds.length;
      }
      const batch = this.queue.splice(0, taken);
      this.inFlight++;
      this.repo
        .scores(this.dataSource.manager, distinctKeys(batch))
        .then(
          (byTenant) => batch.forEach((p) => p.resolve(byTenant.get(p.tenantId) ?? new Map())),
          (err: unknown) => batch.forEach((p) => p.reject(err)),
        )
        .finally(() => {
          this.inFlight--;
          this.pump();
        });
    }
  }
}

function distinctKeys(batch: readonly PendingRead[]): { tenantId: string; accountId: string }[] {
  const seen = new Set<string>();
  const keys: { tenantId: string; accountId: string }[] = [];
  for (const { tenantId, accountIds } of batch) {
    for (const accountId of accountIds) {
      const key = `${tenantId}\u0000${accountId}`;
      if (seen.has(key)) continue;
      seen.add(key);
      keys.push({ tenantId, accountId });
    }
  }
  return keys;
}
