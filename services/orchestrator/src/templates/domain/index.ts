export * from './template.catalogue';
export { formatMessageMoney } from './message-money.format';
export {
  PaymentLinkSigner,
  type PaymentLinkClaims,
  type PaymentLinkVerification,
  type SignedPaymentLink,
} from './payment-link.signer';
export { renderMessage, type MessageVariables, type RenderRequest, type RenderedMessage } from './message.renderer';
export {
  OptOutLinkSigner,
  type OptOutLinkClaims,
  type OptOutLinkVerification,
  type SignedOptOutLink,
} from './opt-out-link.signer';
