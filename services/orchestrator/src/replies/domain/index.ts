export * from './calendar';
export * from './dispute';
export * from './paid-claim';
export * from './payment-intent.parser';
export * from './reply-decision';
