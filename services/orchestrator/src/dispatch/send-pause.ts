import { ErrorCode, isAppError } from '@collections/platform';

/** The first pause after the ledger stops answering, and the longest one (doubling between them). */
export const SEND_PAUSE = { firstMs: 60_000, maxMs: 10 * 60_000 } as const;

/**
 * True when `err` says the ledger could not be reached at all (down, restarting, out of time),
 * as `GrpcContactDirectory` reports it: a failure of the dependency, not of the contact.
 */
export function isUnreachable(err: unknown): boolean {
  return isAppError(err) && err.code === ErrorCode.Unavailable;
}

/**
 * Every electronic send, letter and visit asks the ledger for the debtor's addresses at the
 * moment of sending. When the ledger cannot be reached, the dispatcher stops taking contacts up
 * until a back-off has passed — 1 minute, then 2, 4, … up to 10 while it stays unreachable —
 * instead of claiming, failing and deferring every due row one by one. The due rows wait as
 * they are (nothing is lost; they go out, oldest first, on the first tick after the pause); the
 * first answer from the ledger ends the back-off. Kept in memory: a restarted process tries at once.
 */
export class SendPause {
  private failures = 0;
  private until?: Date;

  /** The end of the pause in force at `now`, if one is. */
  activeAt(now: Date): Date | undefined {
    return this.until && now.getTime() < this.until.getTime() ? this.until : undefined;
  }

  /**
   * A send found the ledger unreachable at `now`: the pause in force, or a new one, longer than
   * the last. `opened` is true only for the failure that started it (one log line per pause).
   */
  failed(now: Date): { until: Date; failures: number; opened: boolean } {
    const current = this.activeAt(now);
    if (current) return { until: current, failures: this.failures, opened: false };
    this.failures += 1;
    const ms = Math.min(SEND_PAUSE.maxMs, SEND_PAUSE.firstMs * 2 ** Math.min(this.failures - 1, 30));
    this.until = new Date(now.getTime() + ms);
    return { until: this.until, failures: this.failures, opened: true };
  }

  /** The ledger answered: the back-off starts over. True when it had been unreachable until now. */
  reached(): boolean {
    const was = this.failures > 0;
    this.failures = 0;
    this.until = undefined;
    return was;
  }
}
