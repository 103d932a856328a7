import 'reflect-metadata';
import { DynamicModule, INestApplication, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { Server } from '@grpc/grpc-js';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { GRPC_PACKAGES, PROTO_ROOT } from '@collections/contracts';
import {
  Authenticator,
  Clock,
  HealthRegistry,
  Logger,
  MetricsRegistry,
  PinoNestLogger,
  PlatformModule,
  applyHttpPlatform,
  grpcServerOptions,
  installDirectRoutes,
} from '@collections/platform';
import { ServiceContext, ServiceDefinition } from './service-definition';
import type { TrustProxy } from './config';

export interface AppOptions {
  /** Name in logs and metrics: the service, or `platform` when all five run embedded. */
  name: string;
  services: { definition: ServiceDefinition; context: ServiceContext }[];
  logger: Logger;
  clock: Clock;
  authenticator: Authenticator;
  metrics: MetricsRegistry;
  health: HealthRegistry;
  /** `trustProxy`: HTTP_TRUST_PROXY (`trustProxyConfig`); none by default. */
  http: { host: string; port: number; trustProxy?: TrustProxy };
  grpc: { host: string; port: number };
  /** APIs of the platform as a whole beside the services' (e.g. the embedded simulation clock). */
  extras?: { module: DynamicModule; grpc: { package: string; file: string } }[];
}

export interface RunningApp {
  app: INestApplication;
  httpUrl: string;
  grpcAddress: string;
  close(): Promise<void>;
}

/** One Nest app: REST + /health + /metrics on HTTP, every given service's gRPC API on one port. */
/** Largest JSON body a REST call may send; larger ones get 413. */
export const JSON_BODY_LIMIT = '16mb';

/** A Money amount as proto3 JSON writes an int64: a number, or a string of one in decimal notation. */
const DECIMAL = /^-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

/**
 * Refuses (400, naming the field) a Money amount the generated `fromJSON` would otherwise coerce
 * with `Number()`: `true` became 1 minor unit, `[7]` 7, `"0x10"` 16 and `""` 0; and a string
 * holding a NUL character, which PostgreSQL's text refuses (a 500, or a whole batch failed); and a
 * list holding null.
 */
function requestJsonReviver(this: unknown, key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.includes('\u0000'))
    throw new SyntaxError(`${key || 'the body'} must not contain a NUL character (\\u0000)`);
  // proto3 JSON has no null item in a list; the generated fromJSON(null) throws (a 500).
  if (Array.isArray(value) && value.includes(null))
    throw new SyntaxError(`${key || 'the body'} must not hold null items`);
  if ((key === 'amountMinor' || key === 'amount_minor') && value !== null) {
    if (typeof value !== 'number' && !(typeof value === 'string' && DECIMAL.test(value))) {
      throw new SyntaxError(`${key} must be an integer number of minor units, got ${JSON.stringify(value)}`);
    }
  }
  return value;
}

export async function startNestApp(options: AppOptions): Promise<RunningApp> {
  const imports = [
    PlatformModule.forRoot({
      service: options.name,
      logger: options.logger,
      clock: options.clock,
      authenticator: options.authenticator,
      metrics: options.metrics,
      health: options.health,
    }),
    ...options.services.map((s) => s.definition.module(s.context)),
    ...(options.extras ?? []).map((e) => e.module),
  ];
  @Module({ imports })
  class RootModule {}

  const app = await NestFactory.create<NestExpressApplication>(RootModule, {
    logger: new PinoNestLogger(options.logger),
    abortOnError: false,
    // Webhook signatures (Twilio, Meta) are over the exact bytes: keep them as req.rawBody.
    rawBody: true,
  });
  // Behind a trusted proxy, a request's client address (req.ip) is the one it forwarded.
  if (options.http.trustProxy) app.set('trust proxy', options.http.trustProxy);
  // Bulk commands (a bank file's payments, a portfolio page) are bigger than the 100 kB default.
  app.useBodyParser('json', { limit: JSON_BODY_LIMIT, reviver: requestJsonReviver });
  applyHttpPlatform(app, { logger: options.logger, authenticator: options.authenticator, metrics: options.metrics });
  const packages: { package: string; file: string; extraFiles?: readonly string[] }[] = [
    ...options.services.map((s) => GRPC_PACKAGES[s.definition.name]),
    ...(options.extras ?? []).map((e) => e.grpc),
  ];
  let grpcServer: Server | undefined;
  app.connectMicroservice(
    grpcServerOptions({
      packages: packages.map((p) => p.package),
      protoFiles: packages.flatMap((p) => [p.file, ...(p.extraFiles ?? [])]),
      protoRoot: PROTO_ROOT,
      url: `${options.grpc.host}:${options.grpc.port}`,
      onServer: (server) => (grpcServer = server),
    }),
    { inheritAppConfig: true },
  );
  try {
    await app.startAllMicroservices();
    const routes = options.services.flatMap((s) => s.definition.directGrpcRoutes?.(app) ?? []);
    if (routes.length > 0) {
      if (!grpcServer) throw new Error('the gRPC server was not created: no place for the direct routes');
      installDirectRoutes(grpcServer, routes, options);
    }
    await app.listen(options.http.port, options.http.host);
  } catch (err) {
    // A port already taken: release what did start (the gRPC server, the pools) before saying so.
    await app.close().catch(() => undefined);
    throw err;
  }
  const httpUrl = `http://127.0.0.1:${options.http.port}`;
  return {
    app,
    httpUrl,
    grpcAddress: `127.0.0.1:${options.grpc.port}`,
    close: () => app.close(),
  };
}
