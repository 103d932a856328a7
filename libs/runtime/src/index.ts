export * from './service-definition';
export * from './config';
export * from './database';
export * from './metering';
export * from './app';
export * from './standalone';
export * from './shutdown';
export * from './clock-scheduler';
