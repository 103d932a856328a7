export * from './calendar';
export * from './dispute';
export * from './payment-intent.parser';
export * from './reply-decision';
