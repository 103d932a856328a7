export * from './agent-task';
export * from './call-outcome';
export * from './agent';
export * from './completion';
export * from './task-law';
