import { Controller, Get, Inject, Res } from '@nestjs/common';
import { Public } from './auth';

/** Nest injection token for the service name (used in health and log output). */
export const SERVICE_NAME = Symbol('SERVICE_NAME');

export type ReadinessCheck = () => Promise<boolean>;

export interface ReadinessResult {
  ready: boolean;
  /** Names of checks that returned false, threw, or timed out. */
  failed: string[];
}

/** Readiness checks (database reachable, consumer connected, ...) registered by each module. */
export class HealthRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  /** @param timeoutMs a hung dependency must fail readiness, not hang the probe. */
  constructor(private readonly timeoutMs = 3000) {}

  register(name: string, check: ReadinessCheck): void {
    if (this.checks.has(name)) throw new Error(`readiness check ${name} is already registered`);
    this.checks.set(name, check);
  }

  async check(): Promise<ReadinessResult> {
    const outcomes = await Promise.all(
      [...this.checks].map(async ([name, check]) => ({ name, passed: await this.runWithTimeout(check) })),
    );
    const failed = outcomes.filter((o) => !o.passed).map((o) => o.name);
    return { ready: failed.length === 0, failed };
  }

  private async runWithTimeout(check: ReadinessCheck): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), this.timeoutMs);
      timer.unref();
    });
    try {
      return (await Promise.race([check().catch(() => false), timedOut])) === true;
    } finally {
      clearTimeout(timer);
    }
  }
}

interface HttpResponseWithStatus {
  status(code: number): unknown;
}

/** Liveness and readiness probes. Public because orchestrators probe without credentials. */
@Public()
@Controller()
export class HealthController {
  constructor(
    @Inject(SERVICE_NAME) private readonly service: string,
    private readonly healthRegistry: HealthRegistry,
  ) {}

  /** Liveness: the process serves HTTP. Dependencies are deliberately not checked here. */
  @Get('health')
  health(): { status: 'ok'; service: string } {
    return { status: 'ok', service: this.service };
  }

  @Get('ready')
  async ready(
    @Res({ passthrough: true }) response: HttpResponseWithStatus,
  ): Promise<{ status: 'ready' | 'not-ready'; service: string; failed: string[] }> {
    const { ready, failed } = await this.healthRegistry.check();
    if (!ready) response.status(503);
    return { status: ready ? 'ready' : 'not-ready', service: this.service, failed };
  }
}
