export * from './infra';
export * from './database';
export * from './wait-for';
export * from './processes';
export * from './walking-skeleton';
export * from './service-under-test';
export * from './prometheus';
export * from './grafana-dashboards';
