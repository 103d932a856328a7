import { ChannelProvider, OutboundMessage, SendFailure, SendResult, isPermanent } from './provider';

export interface BackoffPolicy {
  maxAttempts: number;
  baseMs: number;
  capMs: number;
}

/** Waits for our own throughput limiter before a send counts as stuck. */
const MAX_LOCAL_WAITS = 10_000;

export const defaultBackoff: BackoffPolicy = { maxAttempts: 6, baseMs: 500, capMs: 60_000 };

/** Full jitter: a random delay in [0, min(cap, base·2^attempt)], never below what the provider asked for. */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: number, retryAfterMs?: number): number {
  const ceiling = Math.min(policy.capMs, policy.baseMs * 2 ** attempt);
  const jittered = Math.floor(ceiling * Math.min(Math.max(random, 0), 1));
  return Math.max(jittered, retryAfterMs ?? 0);
}

export type DeliveryOutcome =
  /** `segments`: an SMS's message segments, as the provider counted them (on its record: `channel_delivery.segments`). */
  | { status: 'sent'; providerMessageId: string; attempts: number; segments?: number }
  | { status: 'invalid-recipient' | 'rejected'; failure: SendFailure; attempts: number }
  | { status: 'gave-up'; failure: SendFailure; attempts: number };

/** Remembers what each idempotency key came to (a table in production, a map in tests). */
export interface OutcomeStore {
  get(key: string): Promise<DeliveryOutcome | undefined>;
  put(key: string, outcome: DeliveryOutcome): Promise<void>;
}

export class InMemoryOutcomeStore implements OutcomeStore {
  private readonly outcomes = new Map<string, DeliveryOutcome>();
  async get(key: string) {
    return this.outcomes.get(key);
  }
  async put(key: string, outcome: DeliveryOutcome) {
    this.outcomes.set(key, outcome);
  }
}

/** What one answer of a provider came to: the send's outcome, or `retried` (a failure tried again). */
export type ProviderAnswer = DeliveryOutcome['status'] | 'retried';

export interface SenderDeps {
  store: OutcomeStore;
  /** Waits; injected so tests never sleep. */
  delay: (ms: number) => Promise<void>;
  random: () => number;
  policy?: BackoffPolicy;
  /**
   * Told what each attempt that reached the provider came to (a metric): not an outcome the store
   * already had, nor a wait for our own limiter.
   */
  onAnswer?: (answer: ProviderAnswer) => void;
}

/**
 * Sends through one provider with retries: exponential backoff with jitter on 429/5xx, never a
 * retry of a permanent failure, and one send per idempotency key (concurrent callers share it).
 */
export class ReliableSender {
  private readonly inFlight = new Map<string, Promise<DeliveryOutcome>>();

  constructor(
    private readonly provider: ChannelProvider,
    private readonly deps: SenderDeps,
  ) {}

  send(message: OutboundMessage): Promise<DeliveryOutcome> {
    const running = this.inFlight.get(message.idempotencyKey);
    if (running) return running;
    const work = this.run(message).finally(() => this.inFlight.delete(message.idempotencyKey));
    this.inFlight.set(message.idempotencyKey, work);
    return work;
  }

  private async run(message: OutboundMessage): Promise<DeliveryOutcome> {
    const known = await this.deps.store.get(message.idempotencyKey);
    if (known) return known;
    const policy = this.deps.policy ?? defaultBackoff;
    let attempts = 0;
    let localWaits = 0;
    for (;;) {
      attempts += 1;
      let result: SendResult;
      try {
        result = await this.provider.send(message);
      } catch (err) {
        result = { ok: false, failure: { kind: 'transient', code: 'exception', detail: String(err) } };
      }
      if (
        !result.ok &&
        result.failure.kind === 'rate-limited' &&
        result.failure.local &&
        localWaits < MAX_LOCAL_WAITS
      ) {
        // Our own limiter held it back: nothing reached the provider, so no attempt is spent.
        attempts -= 1;
        localWaits += 1;
        await this.deps.delay(result.failure.retryAfterMs ?? 0);
        continue;
      }
      let outcome: DeliveryOutcome | undefined;
      if (result.ok)
        outcome = {
          status: 'sent',
          providerMessageId: result.providerMessageId,
          attempts,
          ...(result.segments !== undefined ? { segments: result.segments } : {}),
        };
      else if (isPermanent(result.failure))
        outcome = {
          status: result.failure.kind as 'invalid-recipient' | 'rejected',
          failure: result.failure,
          attempts,
        };
      else if (attempts >= policy.maxAttempts) outcome = { status: 'gave-up', failure: result.failure, attempts };
      this.deps.onAnswer?.(outcome?.status ?? 'retried');
      if (outcome) {
        await this.deps.store.put(message.idempotencyKey, outcome);
        return outcome;
      }
      const failure = (result as { ok: false; failure: SendFailure }).failure;
      const retryAfter = failure.kind === 'rate-limited' ? failure.retryAfterMs : undefined;
      await this.deps.delay(backoffDelay(policy, attempts - 1, this.deps.random(), retryAfter));
    }
  }
}
