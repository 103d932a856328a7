export * from './calendar';
export * from './payment-intent.parser';
export * from './reply-decision';
