import { DynamicModule, INestApplicationContext } from '@nestjs/common';
import { MigrationInterface } from 'typeorm';
import { DataSource } from 'typeorm';
import { ServiceName } from '@collections/contracts';
import { Backbone } from '@collections/messaging';
import { Clock, DirectUnaryRoute, HealthRegistry, Logger, MetricsRegistry } from '@collections/platform';

/** Everything one service needs at run time, whichever way the platform runs. */
export interface ServiceContext {
  name: ServiceName;
  schema: string;
  dataSource: DataSource;
  backbone: Backbone;
  clock: Clock;
  logger: Logger;
  metrics: MetricsRegistry;
  health: HealthRegistry;
}

/** Nest injection token for the ServiceContext inside a service's own module. */
export const SERVICE_CONTEXT = Symbol('SERVICE_CONTEXT');

/**
 * What a service contributes: its schema migrations, its Nest module (REST + gRPC controllers)
 * and its event consumers. The standalone runner and the embedded runner both build on this.
 */
export interface ServiceDefinition {
  name: ServiceName;
  migrations: (new () => MigrationInterface)[];
  module(ctx: ServiceContext): DynamicModule;
  consumers?(ctx: ServiceContext): void;
  /**
   * gRPC methods of the service's module answered straight from the grpc-js server rather than
   * through Nest's pipeline (see DirectUnaryRoute), built from the started app's providers.
   */
  directGrpcRoutes?(app: INestApplicationContext): DirectUnaryRoute[];
}
