import { Inject, Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ClockDrivenJob, isSimulatedClock } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { DispatchDueContactsUseCase, DispatchSummary } from './usecases/dispatch-due.usecase';

export const DISPATCH = Symbol('DISPATCH');
export const DISPATCH_CHECK_MS = Symbol('DISPATCH_CHECK_MS');

/**
 * Runs the dispatcher from a timer that reads the injected clock: every `checkEveryMs`, first the
 * reconciliation of rows left `sending` (by a process that died, or by a step of this one that
 * failed after its claim), then the rows that fell due. Never two runs at once; `tick()` is the whole step, so tests drive it with a ManualClock (0 = no timer).
 * On a simulated clock there is no timer: every move of the clock runs `tick()` for the new
 * instant. The clock runs its jobs in the order of their names, so "dispatch run" comes after
 * the daily runs ("daily ... run"): the planning run's contacts for the instant go out in the
 * same move.
 */
@Injectable()
export class DispatchScheduler implements OnApplicationBootstrap, OnApplicationShutdown, ClockDrivenJob {
  readonly jobName = 'dispatch run';
  private timer?: NodeJS.Timeout;
  private detach?: () => void;
  private running?: Promise<DispatchSummary | undefined>;

  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    @Inject(DISPATCH) private readonly dispatcher: DispatchDueContactsUseCase,
    @Inject(DISPATCH_CHECK_MS) private readonly checkEveryMs: number,
  ) {}

  onApplicationBootstrap(): void {
    if (isSimulatedClock(this.ctx.clock)) {
      this.detach = this.ctx.clock.attach(this);
      return;
    }
    if (this.checkEveryMs <= 0) return;
    this.timer = setInterval(() => {
      void this.tick();
    }, this.checkEveryMs);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    this.detach?.();
    clearInterval(this.timer);
    await this.running;
  }

  /** ClockDrivenJob: after a run already in progress, the run for the clock's instant. */
  async runIfDue(): Promise<boolean> {
    await this.running;
    return (await this.tick()) !== undefined;
  }

  async tick(): Promise<DispatchSummary | undefined> {
    if (this.running) return undefined;
    this.running = (async () => {
      // Rows left `sending` first (by a process that died, or a step of this one that failed
      // after its claim); a failure to look for them never keeps the due rows from going out.
      const reconciled = await this.dispatcher.reconcile().catch((err: unknown) => {
        this.ctx.logger.error({ err }, 'reconciling contacts left sending failed; the next tick retries');
        return undefined;
      });
      const ran = await this.dispatcher.run();
      return reconciled ? sumOf(reconciled, ran) : ran;
    })().catch((err: unknown) => {
      this.ctx.logger.error({ err }, 'dispatch run failed; the next tick retries');
      return undefined;
    });
    try {
      return await this.running;
    } finally {
      this.running = undefined;
    }
  }
}

function sumOf(a: DispatchSummary, b: DispatchSummary): DispatchSummary {
  return {
    sent: a.sent + b.sent,
    failed: a.failed + b.failed,
    deferred: a.deferred + b.deferred,
    skipped: a.skipped + b.skipped,
    queued: a.queued + b.queued,
  };
}
