/**
 * What an erased address or reply text reads as once the ledger erased its debtor: the ledger's
 * own word for its pseudonymised data (`debtor-erasure.ts`). A module of its own, so the channels'
 * records can know it without importing the erasure and what it imports.
 */
export const ERASED = 'erased';
