/**
 * The strategy id and template of the notice a debtor gets when the ledger reverses one of their
 * payments (a bank's return, a chargeback); its step is `RETURNED_PAYMENT_STEP` + the payment id.
 */
export const PAYMENT_RETURNED = 'payment-returned';
export const RETURNED_PAYMENT_STEP = `${PAYMENT_RETURNED}:`;
