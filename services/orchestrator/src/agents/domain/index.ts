export * from './agent-task';
export * from './call-outcome';
