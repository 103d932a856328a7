import {
  CallHandler,
  DynamicModule,
  ExecutionContext,
  Global,
  INestApplication,
  INestMicroservice,
  Module,
  NestInterceptor,
} from '@nestjs/common';
import { Observable, from, mergeAll } from 'rxjs';
import { Reflector } from '@nestjs/core';
import { AUTHENTICATOR, Authenticator, GrpcAuthGuard, HttpAuthGuard, PrincipalContextInterceptor } from './auth';
import { CLOCK, Clock, SystemClock } from './clock';
import { GrpcErrorFilter, HttpErrorFilter } from './errors';
import { HealthController, HealthRegistry, SERVICE_NAME } from './health';
import { Logger } from './logger';
import { MetricsController, MetricsRegistry } from './metrics';
import { GrpcMetricsInterceptor, httpRequestMetrics } from './request-metrics';
import { TraceContextInterceptor } from './trace-context.interceptor';

/** Nest injection token for the pino Logger. */
export const LOGGER = Symbol('LOGGER');

export interface PlatformModuleOptions {
  service: string;
  logger: Logger;
  clock?: Clock;
  authenticator: Authenticator;
  metrics: MetricsRegistry;
  health: HealthRegistry;
}

/**
 * Shares the runtime singletons (built by the service's main.ts from its config) with every
 * module, and serves /health, /ready and /metrics. Filters, guards and interceptors are applied
 * per app with applyHttpPlatform / applyGrpcPlatform, so each service sees what it runs.
 */
@Global()
@Module({})
export class PlatformModule {
  static forRoot(options: PlatformModuleOptions): DynamicModule {
    const providers = [
      { provide: SERVICE_NAME, useValue: options.service },
      { provide: LOGGER, useValue: options.logger },
      { provide: CLOCK, useValue: options.clock ?? new SystemClock() },
      { provide: AUTHENTICATOR, useValue: options.authenticator },
      { provide: MetricsRegistry, useValue: options.metrics },
      { provide: HealthRegistry, useValue: options.health },
    ];
    return {
      module: PlatformModule,
      controllers: [MetricsController, HealthController],
      providers,
      exports: providers.map((provider) => provider.provide),
    };
  }
}

export interface PlatformDeps {
  logger: Logger;
  authenticator: Authenticator;
  /** When given, HTTP requests and gRPC calls are timed into latency histograms. */
  metrics?: MetricsRegistry;
}

/**
 * Error envelope, authentication (except @Public routes) and the principal context for HTTP;
 * with `metrics`, request latency for HTTP and for the gRPC microservices that inherit this
 * app's configuration.
 */
export function applyHttpPlatform(app: INestApplication, deps: PlatformDeps): void {
  if (deps.metrics) app.use(httpRequestMetrics(deps.metrics));
  app.useGlobalFilters(new HttpErrorFilter(deps.logger));
  app.useGlobalGuards(new HttpAuthGuard(deps.authenticator, app.get(Reflector)));
  app.useGlobalInterceptors(requestContextInterceptor(deps));
}

/** The gRPC counterpart of applyHttpPlatform, for a standalone microservice. */
export function applyGrpcPlatform(app: INestMicroservice, deps: PlatformDeps): void {
  app.useGlobalFilters(new GrpcErrorFilter(deps.logger));
  app.useGlobalGuards(new GrpcAuthGuard(deps.authenticator, app.get(Reflector)));
  app.useGlobalInterceptors(requestContextInterceptor(deps));
}

/**
 * Latency metrics (outermost), the caller's trace, then the principal's context, as ONE global
 * interceptor: each interceptor Nest chains costs a defer, a mergeAll and an AsyncResource.bind
 * per call, which on a small gRPC call like ScoreAccount is a good part of the server's CPU. The
 * order and what each of them sees are the same as when they were registered one by one.
 */
export class RequestContextInterceptor implements NestInterceptor {
  constructor(private readonly chain: readonly NestInterceptor[]) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const at = (i: number): CallHandler =>
      i === this.chain.length
        ? next
        : {
            handle: () => {
              const handled = this.chain[i].intercept(context, at(i + 1));
              return handled instanceof Observable ? handled : from(handled).pipe(mergeAll());
            },
          };
    return at(0).handle();
  }
}

function requestContextInterceptor(deps: PlatformDeps): RequestContextInterceptor {
  return new RequestContextInterceptor([
    ...(deps.metrics ? [new GrpcMetricsInterceptor(deps.metrics)] : []),
    new TraceContextInterceptor(),
    new PrincipalContextInterceptor(),
  ]);
}
