import { Backbone, KafkaTransport } from '@collections/messaging';
import { Logger, SimulatedClock } from '@collections/platform';
import { PlatformBacklog, SimulationBackend } from './simulation-backend';

/**
 * One service process on a simulated clock (distributed mode, PLATFORM_CLOCK=simulated): its own
 * clock and jobs, and the event work it still has — its outbox rows not yet published and the
 * records its consumer groups have not committed on Kafka. A coordinator that moves several
 * processes (the simulator) decides from every process's answer whether the platform is drained;
 * on its own, a move of this clock waits after each job only for this process to be drained.
 */
export class ServiceSimulationControl implements SimulationBackend {
  /** The topics this process's consumers read (fixed once it started). */
  private topics?: string[];

  constructor(
    readonly clock: SimulatedClock,
    private readonly service: string,
    private readonly backbone: Backbone,
    private readonly kafka: KafkaTransport,
    private readonly logger: Logger,
  ) {
    clock.settleAfterEachJob(() => this.settled());
  }

  /** Resolves once this process is drained, or after `withinMs` (a consumer stuck retrying) with a warning. */
  async settled(withinMs = 300_000): Promise<void> {
    const deadline = Date.now() + withinMs;
    for (let attempt = 0; ; attempt++) {
      const b = await this.backlog();
      if (b.drained) return;
      if (Date.now() > deadline) {
        this.logger.warn({ outbox: b.outbox, consumerLag: b.consumerLag }, 'the service did not settle; moving on');
        return;
      }
      await new Promise((r) => setTimeout(r, Math.min(50, 5 + attempt * 5)));
    }
  }

  /**
   * The log's end before, the consumer groups' lag, the outbox, the log's end after: drained when
   * nothing is pending and nothing was published to this process's topics meanwhile (consumers
   * commit their effects, and the events those cause, before their offsets).
   */
  async backlog(): Promise<PlatformBacklog> {
    this.topics ??= [...new Set((await this.backbone.consumerLag()).map((l) => l.topic))];
    const topics = this.topics;
    const before = await this.kafka.logEnd(topics);
    const consumerLag = (await this.backbone.consumerLag()).reduce((n, l) => n + l.lag, 0);
    const outbox = await this.backbone.relay.backlog();
    const after = await this.kafka.logEnd(topics);
    return {
      drained: consumerLag === 0 && outbox === 0 && before === after,
      outbox,
      consumerLag,
      services: [{ service: this.service, outbox, consumerLag }],
      logHead: after,
    };
  }
}
