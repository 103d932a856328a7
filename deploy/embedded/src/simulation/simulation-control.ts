import { Backbone, InProcessTransport } from '@collections/messaging';
import { Logger, SimulatedClock } from '@collections/platform';
import { PlatformBacklog, SettlingSimulationBackend } from '@collections/runtime';

/**
 * What the simulation API works on: the platform's one simulated clock, and every service's
 * outbox and consumers, to tell when the event work caused so far is done.
 */
export class SimulationControl extends SettlingSimulationBackend {
  constructor(
    clock: SimulatedClock,
    private readonly transport: InProcessTransport,
    private readonly backbones: { service: string; backbone: Backbone }[],
    logger: Logger,
  ) {
    super(clock, logger, 'the platform');
  }

  /**
   * Drained when the consumers were at the log's head, then every outbox was empty, and then
   * the log's head had not moved. Consumers commit their effects (and the events they cause)
   * before their offsets, so at the first read every caused event was already in an outbox; the
   * relay moves an outbox row to the log in one transaction, so an empty outbox with an unmoved
   * head means none was published since, and every consumer is still at the head.
   */
  async backlog(): Promise<PlatformBacklog> {
    const before = await this.transport.groupsLag();
    const outboxes = await Promise.all(this.backbones.map(async (b) => b.backbone.relay.backlog()));
    const after = await this.transport.groupsLag();
    const lagOf = (service: string) =>
      before.groups
        .filter((g) => g.groupId === service || g.groupId.startsWith(`${service}.`))
        .reduce((n, g) => n + g.lag, 0);
    const services = this.backbones.map((b, i) => ({
      service: b.service,
      outbox: outboxes[i],
      consumerLag: lagOf(b.service),
    }));
    const outbox = outboxes.reduce((n, x) => n + x, 0);
    const consumerLag = before.groups.reduce((n, g) => n + g.lag, 0);
    return {
      drained: consumerLag === 0 && outbox === 0 && before.heads === after.heads,
      outbox,
      consumerLag,
      services,
    };
  }
}
