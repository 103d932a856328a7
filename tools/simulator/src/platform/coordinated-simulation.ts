import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { ServiceName, simulation } from '@collections/contracts';
import { PromiseClient, grpcClient } from '@collections/platform';

/** The simulation API as the simulator uses it: one platform's, or one coordinated over several processes. */
export type SimulationApi = Pick<
  PromiseClient<typeof simulation.SimulationServiceService>,
  'getClock' | 'advanceClock' | 'moveClock' | 'getBacklog' | 'runClockJob' | 'close'
>;

/**
 * The simulation API of a distributed platform, made of its five processes' own
 * (collections.platform.v1.SimulationService on each service's gRPC port), so that a simulation
 * runs as it does on the embedded platform:
 *
 * - AdvanceClock moves every process's clock first (MoveClock), then runs every process's
 *   clock-driven jobs in the embedded order (by job name: the ledger's delinquency run, the
 *   promises daily run, the orchestrator's planning run, its dispatcher, reporting's snapshot),
 *   waiting after each until the platform is drained, so the next job sees its effects.
 * - GetBacklog asks every process and is drained only when this round and the one before it
 *   found nothing pending anywhere and no process's log head moved between them. Each process's
 *   answer is drained only if no record reached its topics while it looked (its log head the
 *   same before and after reading its lag and outbox), so from the first round's look to the
 *   second's nothing was published to any topic that is read: every consumer was at the head and
 *   every outbox empty, and no event work was left anywhere.
 */
export class CoordinatedSimulation implements SimulationApi {
  private readonly processes: {
    service: ServiceName;
    client: PromiseClient<typeof simulation.SimulationServiceService>;
  }[];
  /** The last round of answers: drained needs two rounds in a row with nothing pending and no log head moved. */
  private previousRound?: simulation.GetBacklogResponse[];

  constructor(
    services: Record<ServiceName, { grpc: string }>,
    private readonly settleWithinMs = 300_000,
  ) {
    this.processes = (Object.keys(services) as ServiceName[]).sort().map((service) => ({
      service,
      client: grpcClient(simulation.SimulationServiceService, services[service].grpc, { deadlineMs: 600_000 }),
    }));
  }

  /** Every process's clock; they must agree (a process that restarted on its own would not). */
  async getClock(_request: simulation.GetClockRequest, metadata?: Metadata): Promise<simulation.GetClockResponse> {
    const answers = await Promise.all(this.processes.map((p) => p.client.getClock({}, metadata)));
    const instants = new Set(answers.map((a) => a.now?.getTime()));
    if (instants.size !== 1)
      throw new Error(
        `the services' clocks disagree: ${answers.map((a, i) => `${this.processes[i].service} ${a.now?.toISOString()}`).join(', ')}`,
      );
    return answers[0];
  }

  async advanceClock(
    request: simulation.AdvanceClockRequest,
    metadata?: Metadata,
  ): Promise<simulation.AdvanceClockResponse> {
    const moved = await Promise.all(this.processes.map((p) => p.client.moveClock({ to: request.to }, metadata)));
    const jobs = moved
      .flatMap((m, i) => m.jobs.map((job) => ({ process: this.processes[i], job })))
      .sort((a, b) => a.job.localeCompare(b.job));
    const runs: simulation.ClockJobRun[] = [];
    for (const { process, job } of jobs) {
      const { run } = await process.client.runClockJob({ job }, metadata);
      runs.push(run ?? { job, ran: false });
      await this.settled(metadata);
    }
    return { now: moved[0].now, jobs: runs };
  }

  /** Moves every process's clock, running no job. */
  async moveClock(request: simulation.MoveClockRequest, metadata?: Metadata): Promise<simulation.MoveClockResponse> {
    const moved = await Promise.all(this.processes.map((p) => p.client.moveClock(request, metadata)));
    return { now: moved[0].now, jobs: moved.flatMap((m) => m.jobs).sort((a, b) => a.localeCompare(b)) };
  }

  /** Runs the job on the process that has it. */
  async runClockJob(
    request: simulation.RunClockJobRequest,
    metadata?: Metadata,
  ): Promise<simulation.RunClockJobResponse> {
    for (const p of this.processes) {
      try {
        return await p.client.runClockJob(request, metadata);
      } catch (err) {
        if ((err as ServiceError).code !== status.NOT_FOUND) throw err;
      }
    }
    throw new Error(`no service has a clock-driven job named ${JSON.stringify(request.job)}`);
  }

  async getBacklog(
    _request: simulation.GetBacklogRequest,
    metadata?: Metadata,
  ): Promise<simulation.GetBacklogResponse> {
    const answers = await Promise.all(this.processes.map((p) => p.client.getBacklog({}, metadata)));
    const previous = this.previousRound;
    this.previousRound = answers;
    const quiet = (round: simulation.GetBacklogResponse[]) => round.every((a) => a.drained);
    const drained =
      quiet(answers) &&
      previous !== undefined &&
      quiet(previous) &&
      answers.every((a, i) => a.logHead === previous[i].logHead);
    return {
      drained,
      outbox: answers.reduce((n, a) => n + a.outbox, 0),
      consumerLag: answers.reduce((n, a) => n + a.consumerLag, 0),
      services: answers.flatMap((a) => a.services),
      logHead: answers.reduce((n, a) => n + a.logHead, 0),
    };
  }

  /** Waits until drained, as the embedded platform does between its jobs. */
  private async settled(metadata?: Metadata): Promise<void> {
    const deadline = Date.now() + this.settleWithinMs;
    for (let attempt = 0; ; attempt++) {
      const b = await this.getBacklog({}, metadata);
      if (b.drained) return;
      if (Date.now() > deadline)
        throw new Error(
          `the distributed platform did not settle within ${this.settleWithinMs} ms (${b.services
            .filter((s) => s.outbox > 0 || s.consumerLag > 0)
            .map((s) => `${s.service}: outbox ${s.outbox}, consumer lag ${s.consumerLag}`)
            .join('; ')})`,
        );
      await new Promise((r) => setTimeout(r, Math.min(50, 5 + attempt * 5)));
    }
  }

  close(): void {
    for (const p of this.processes) p.client.close();
  }
}
