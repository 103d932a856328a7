import { Body, Controller, Get, Inject, Post } from '@nestjs/common';
import { simulation } from '@collections/contracts';
import { AppError, ROLES, currentPrincipal, requireRole } from '@collections/platform';
import { PlatformBacklog, SimulationBackend } from './simulation-backend';

/** Nest injection token of the SimulationBackend. */
export const SIMULATION_BACKEND = Symbol('SIMULATION_BACKEND');

/** The clock is the whole platform's: tenants' API keys and operators (role platform-admin) may move it. */
function assertMayMoveClock(): void {
  requireRole(currentPrincipal(), [ROLES.platformAdmin], 'moving the simulated clock');
}

function instantOf(value: unknown): Date {
  const instant = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (!instant || Number.isNaN(instant.getTime()))
    throw AppError.invalid('to must be an instant (RFC 3339, e.g. 2026-01-05T12:00:00Z)');
  return instant;
}

const toOf = (body: unknown): unknown =>
  body !== null && typeof body === 'object' ? (body as { to?: unknown }).to : undefined;

const mapBacklog = (b: PlatformBacklog): simulation.GetBacklogResponse => ({
  drained: b.drained,
  outbox: b.outbox,
  consumerLag: b.consumerLag,
  services: b.services.map((s) => ({ service: s.service, outbox: s.outbox, consumerLag: s.consumerLag })),
  logHead: b.logHead ?? 0,
});

@Controller('v1/platform/simulation')
@simulation.SimulationServiceControllerMethods()
export class SimulationGrpcController implements simulation.SimulationServiceController {
  constructor(@Inject(SIMULATION_BACKEND) private readonly backend: SimulationBackend) {}

  getClock(): simulation.GetClockResponse {
    return { now: this.backend.clock.now() };
  }

  async advanceClock(request: simulation.AdvanceClockRequest): Promise<simulation.AdvanceClockResponse> {
    assertMayMoveClock();
    return this.backend.clock.advanceTo(instantOf(request.to));
  }

  async moveClock(request: simulation.MoveClockRequest): Promise<simulation.MoveClockResponse> {
    assertMayMoveClock();
    const moved = await this.backend.clock.advanceTo(instantOf(request.to), { deferJobs: true });
    return { now: moved.now, jobs: moved.jobs.map((j) => j.job) };
  }

  async getBacklog(): Promise<simulation.GetBacklogResponse> {
    return mapBacklog(await this.backend.backlog());
  }

  async runClockJob(request: simulation.RunClockJobRequest): Promise<simulation.RunClockJobResponse> {
    assertMayMoveClock();
    return { run: await this.backend.clock.runJob(request.job) };
  }

  /** REST twin of GetClock. */
  @Get('clock')
  restGetClock(): simulation.GetClockResponse {
    return this.getClock();
  }

  /** REST twin of AdvanceClock: `{"to": "2026-01-06T12:00:00Z"}`. */
  @Post('clock/advance')
  restAdvanceClock(@Body() body: unknown): Promise<simulation.AdvanceClockResponse> {
    return this.advanceClock({ to: instantOf(toOf(body)) });
  }

  /** REST twin of MoveClock: `{"to": "2026-01-06T12:00:00Z"}`. */
  @Post('clock/move')
  restMoveClock(@Body() body: unknown): Promise<simulation.MoveClockResponse> {
    return this.moveClock({ to: instantOf(toOf(body)) });
  }

  /** REST twin of GetBacklog. */
  @Get('backlog')
  restGetBacklog(): Promise<simulation.GetBacklogResponse> {
    return this.getBacklog();
  }

  /** REST twin of RunClockJob: `{"job": "daily delinquency run"}`. */
  @Post('clock/jobs/run')
  restRunClockJob(@Body() body: unknown): Promise<simulation.RunClockJobResponse> {
    const job = body !== null && typeof body === 'object' ? (body as { job?: unknown }).job : undefined;
    if (typeof job !== 'string' || job === '') throw AppError.invalid('job must name a clock-driven job');
    return this.runClockJob({ job });
  }
}
