/**
 * Accounts' time zones arrive with the ledger's debtor data (not consumed yet); until then every
 * "today" of a plan is the UTC date.
 */
export const ACCOUNT_TIME_ZONE = 'UTC';
