export * from './simulation-backend';
export * from './simulation.grpc';
export * from './simulation.module';
export * from './service-simulation';
