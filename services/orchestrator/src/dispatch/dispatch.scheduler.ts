import { Inject, Injectable } from '@nestjs/common';
import { ClockTimedJob, SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { DispatchDueContactsUseCase, DispatchSummary } from './usecases/dispatch-due.usecase';

export const DISPATCH = Symbol('DISPATCH');
export const DISPATCH_CHECK_MS = Symbol('DISPATCH_CHECK_MS');

/**
 * Runs the dispatcher from a timer that reads the injected clock: every `checkEveryMs`, first the
 * reconciliation of rows left `sending` (by a process that died, or by a step of this one that
 * failed after its claim), then the rows that fell due. Never two runs at once, in this process or
 * in any replica of the service (a replica's tick while another runs does nothing); `tick()` is the
 * whole step, so tests drive it with a ManualClock (0 = no timer).
 * On a simulated clock there is no timer: every move of the clock runs `tick()` for the new
 * instant. The clock runs its jobs in the order of their names, so "dispatch run" comes after
 * the daily runs ("daily ... run"): the planning run's contacts for the instant go out in the
 * same move.
 */
@Injectable()
export class DispatchScheduler extends ClockTimedJob<DispatchSummary> {
  constructor(
    @Inject(SERVICE_CONTEXT) ctx: ServiceContext,
    @Inject(DISPATCH) private readonly dispatcher: DispatchDueContactsUseCase,
    @Inject(DISPATCH_CHECK_MS) checkEveryMs: number,
  ) {
    // One replica at a time: the reconciliation takes over every row left `sending` that this
    // process is not sending, which in a run beside another replica's would be that replica's.
    super(ctx, checkEveryMs, 'dispatch run', { oneReplicaAtATime: true });
  }

  protected async runJob(): Promise<DispatchSummary> {
    // Rows left `sending` first (by a process that died, or a step of this one that failed
    // after its claim); a failure to look for them never keeps the due rows from going out.
    const reconciled = await this.dispatcher.reconcile().catch((err: unknown) => {
      this.ctx.logger.error({ err }, 'reconciling contacts left sending failed; the next tick retries');
      return undefined;
    });
    const ran = await this.dispatcher.run();
    return reconciled ? sumOf(reconciled, ran) : ran;
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
