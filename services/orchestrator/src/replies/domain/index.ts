export * from './calendar';
export * from './payment-intent.parser';
