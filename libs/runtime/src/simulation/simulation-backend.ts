import { Logger, SimulatedClock } from '@collections/platform';

export interface ServiceBacklog {
  service: string;
  outbox: number;
  consumerLag: number;
}

export interface PlatformBacklog {
  drained: boolean;
  outbox: number;
  consumerLag: number;
  services: ServiceBacklog[];
  /** Σ end offsets of the logs this process's consumers read (distributed mode); 0 where unknown. */
  logHead?: number;
}

/**
 * What the simulation API (collections.platform.v1.SimulationService) works on: a simulated
 * clock, and the event work still pending behind it. The embedded platform answers for all five
 * services at once; a service process (distributed mode) for itself.
 */
export interface SimulationBackend {
  readonly clock: SimulatedClock;
  backlog(): Promise<PlatformBacklog>;
}

/**
 * A backend whose clock waits, after each job it runs, until the event work that job caused is
 * done (the backlog drained), or `withinMs` passed (a consumer stuck retrying: a warning, then on).
 */
export abstract class SettlingSimulationBackend implements SimulationBackend {
  protected constructor(
    readonly clock: SimulatedClock,
    private readonly logger: Logger,
    /** What did not settle, for the warning: 'the service', 'the platform'. */
    private readonly what: string,
  ) {
    clock.settleAfterEachJob(() => this.settled());
  }

  abstract backlog(): Promise<PlatformBacklog>;

  /** Resolves once the backlog is drained, or after `withinMs` with a warning. */
  async settled(withinMs = 300_000): Promise<void> {
    const deadline = Date.now() + withinMs;
    for (let attempt = 0; ; attempt++) {
      const b = await this.backlog();
      if (b.drained) return;
      if (Date.now() > deadline) {
        this.logger.warn({ outbox: b.outbox, consumerLag: b.consumerLag }, `${this.what} did not settle; moving on`);
        return;
      }
      await new Promise((r) => setTimeout(r, Math.min(50, 5 + attempt * 5)));
    }
  }
}
