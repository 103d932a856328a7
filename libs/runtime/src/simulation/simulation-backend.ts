import { SimulatedClock } from '@collections/platform';

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
