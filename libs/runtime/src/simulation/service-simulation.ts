import { Backbone, KafkaTransport } from '@collections/messaging';
import { Logger, SimulatedClock } from '@collections/platform';
import { PlatformBacklog, SettlingSimulationBackend } from './simulation-backend';

/**
 * One service process on a simulated clock (distributed mode, PLATFORM_CLOCK=simulated): its own
 * clock and jobs, and the event work it still has — its outbox rows not yet published and the
 * records its consumer groups have not committed on Kafka. A coordinator that moves several
 * processes (the simulator) decides from every process's answer whether the platform is drained;
 * on its own, a move of this clock waits after each job only for this process to be drained.
 */
export class ServiceSimulationControl extends SettlingSimulationBackend {
  constructor(
    clock: SimulatedClock,
    private readonly service: string,
    private readonly backbone: Backbone,
    private readonly kafka: KafkaTransport,
    logger: Logger,
  ) {
    super(clock, logger, 'the service');
  }

  /**
   * The log's end, the consumer groups' committed offsets against it, the outbox, the log's end
   * again: drained when nothing is pending and nothing was published to this process's topics
   * meanwhile (consumers commit their effects, and the events those cause, before their offsets).
   */
  async backlog(): Promise<PlatformBacklog> {
    const topics = this.backbone.consumedTopics;
    const before = await this.kafka.logEnds(topics);
    const consumerLag = await this.backbone.lagBehind(before);
    const outbox = await this.backbone.relay.backlog();
    const after = await this.kafka.logEnds(topics);
    const head = (ends: Map<string, Map<number, number>>) =>
      [...ends.values()].reduce((n, partitions) => n + [...partitions.values()].reduce((m, h) => m + h, 0), 0);
    return {
      drained: consumerLag === 0 && outbox === 0 && head(before) === head(after),
      outbox,
      consumerLag,
      services: [{ service: this.service, outbox, consumerLag }],
      logHead: head(after),
    };
  }
}
