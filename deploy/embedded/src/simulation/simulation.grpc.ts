import { Body, Controller, Get, Inject, Post } from '@nestjs/common';
import { simulation } from '@collections/contracts';
import { AppError, currentPrincipal } from '@collections/platform';
import { PlatformBacklog, SimulationControl } from './simulation-control';

/** Nest injection token of the SimulationControl. */
export const SIMULATION_CONTROL = Symbol('SIMULATION_CONTROL');

/** The clock is the whole platform's: tenants' API keys and operators (role platform-admin) may move it. */
function assertMayMoveClock(): void {
  const p = currentPrincipal();
  if (p.kind !== 'api-key' && !p.roles.includes('platform-admin'))
    throw AppError.permissionDenied('moving the simulated clock needs an API key or the platform-admin role');
}

function instantOf(value: unknown): Date {
  const instant = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (!instant || Number.isNaN(instant.getTime()))
    throw AppError.invalid('to must be an instant (RFC 3339, e.g. 2026-01-05T12:00:00Z)');
  return instant;
}

const mapBacklog = (b: PlatformBacklog): simulation.GetBacklogResponse => ({
  drained: b.drained,
  outbox: b.outbox,
  consumerLag: b.consumerLag,
  services: b.services.map((s) => ({ service: s.service, outbox: s.outbox, consumerLag: s.consumerLag })),
});

@Controller('v1/platform/simulation')
@simulation.SimulationServiceControllerMethods()
export class SimulationGrpcController implements simulation.SimulationServiceController {
  constructor(@Inject(SIMULATION_CONTROL) private readonly control: SimulationControl) {}

  getClock(): simulation.GetClockResponse {
    return { now: this.control.clock.now() };
  }

  async advanceClock(request: simulation.AdvanceClockRequest): Promise<simulation.AdvanceClockResponse> {
    assertMayMoveClock();
    return this.control.clock.advanceTo(instantOf(request.to));
  }

  async getBacklog(): Promise<simulation.GetBacklogResponse> {
    return mapBacklog(await this.control.backlog());
  }

  /** REST twin of GetClock. */
  @Get('clock')
  restGetClock(): simulation.GetClockResponse {
    return this.getClock();
  }

  /** REST twin of AdvanceClock: `{"to": "2026-01-06T12:00:00Z"}`. */
  @Post('clock/advance')
  restAdvanceClock(@Body() body: unknown): Promise<simulation.AdvanceClockResponse> {
    const to = body !== null && typeof body === 'object' ? (body as { to?: unknown }).to : undefined;
    return this.advanceClock({ to: instantOf(to) });
  }

  /** REST twin of GetBacklog. */
  @Get('backlog')
  restGetBacklog(): Promise<simulation.GetBacklogResponse> {
    return this.getBacklog();
  }
}
