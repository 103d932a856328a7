export * from './infra';
export * from './database';
export * from './wait-for';
