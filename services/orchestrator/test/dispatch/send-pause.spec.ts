import fc from 'fast-check';
import { AppError } from '@collections/platform';
import { SEND_PAUSE, SendPause, isUnreachable } from '../../src/dispatch/send-pause';

const T0 = new Date('2026-03-09T15:00:00Z');
const plus = (ms: number) => new Date(T0.getTime() + ms);
const MINUTE = 60_000;

describe('the pause in sending while the ledger is unreachable', () => {
  it('lasts 1, 2, 4, 8 and then at most 10 minutes while failures follow each other, and starts over once the ledger answers', () => {
    const pause = new SendPause();
    let now = T0;
    const lengths: number[] = [];
    for (let i = 0; i < 6; i++) {
      const { until, opened } = pause.failed(now);
      expect(opened).toBe(true);
      lengths.push((until.getTime() - now.getTime()) / MINUTE);
      now = until;
    }
    expect(lengths).toEqual([1, 2, 4, 8, 10, 10]);
    expect(pause.reached()).toBe(true);
    expect(pause.activeAt(now)).toBeUndefined();
    expect(pause.failed(now)).toEqual({ until: new Date(now.getTime() + MINUTE), failures: 1, opened: true });
    expect(pause.reached()).toBe(true);
    expect(pause.reached()).toBe(false);
  });

  it('is in force until its end, not at it; failures inside it change nothing', () => {
    const pause = new SendPause();
    const first = pause.failed(T0);
    expect(pause.activeAt(plus(MINUTE - 1))).toEqual(plus(MINUTE));
    expect(pause.failed(plus(30_000))).toEqual({ until: plus(MINUTE), failures: 1, opened: false });
    expect(pause.activeAt(first.until)).toBeUndefined();
  });

  it('never pauses longer than the longest back-off, and each pause ends after the failure that opened it', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ afterMs: fc.integer({ min: 0, max: 30 * MINUTE }), answered: fc.boolean() }), {
          maxLength: 60,
        }),
        (steps) => {
          const pause = new SendPause();
          let now = T0.getTime();
          for (const step of steps) {
            now += step.afterMs;
            if (step.answered) {
              pause.reached();
              continue;
            }
            const { until, opened } = pause.failed(new Date(now));
            expect(until.getTime()).toBeGreaterThan(now);
            expect(until.getTime() - now).toBeLessThanOrEqual(SEND_PAUSE.maxMs);
            if (opened) expect(until.getTime() - now).toBeGreaterThanOrEqual(SEND_PAUSE.firstMs);
          }
        },
      ),
    );
  });

  it('is for the ledger being out of reach, not for a failure of one contact', () => {
    expect(isUnreachable(AppError.unavailable('the ledger is unreachable: connect ECONNREFUSED'))).toBe(true);
    expect(isUnreachable(AppError.failedPrecondition('no ledger credentials for tenant t'))).toBe(false);
    expect(isUnreachable(new Error('connection terminated unexpectedly'))).toBe(false);
  });
});
