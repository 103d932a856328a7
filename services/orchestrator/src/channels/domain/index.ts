export * from './provider';
export * from './sender';
export * from './rate-limiter';
export * from './opt-out';
export * from './recipients';
export * from './signatures';
export * from './receipts';
export * from './voice-outcome';
