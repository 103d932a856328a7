// One implementation for whoever issues payment links and whoever honours them (the promises
// service's self-service landing API): it lives in libs/platform.
export {
  PaymentLinkSigner,
  type PaymentLinkClaims,
  type PaymentLinkVerification,
  type SignedPaymentLink,
} from '@collections/platform';
