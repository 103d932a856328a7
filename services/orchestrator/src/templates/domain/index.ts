export * from './template.catalogue';
export { formatMessageMoney } from './message-money.format';
export {
  PaymentLinkSigner,
  type PaymentLinkClaims,
  type PaymentLinkVerification,
  type SignedPaymentLink,
} from './payment-link.signer';
export {
  creditorIdentifiable,
  renderMessage,
  whatsAppParameters,
  type MessageParty,
  type MessageVariables,
  type RenderRequest,
  type RenderedMessage,
  type ValidationNoticeFacts,
} from './message.renderer';
export {
  OptOutLinkSigner,
  type OptOutLinkChannel,
  type OptOutLinkClaims,
  type OptOutLinkVerification,
  type SignedOptOutLink,
} from './opt-out-link.signer';
