/**
 * Distributions derived once from the UCI "default of credit card clients" training data
 * (../shared/datasets/uci-credit-default/train.csv, 23,905 clients, default rate 22.3%) with
 * the script in this file's comment at the bottom. The simulator samples from these, so its
 * first-month default rate resembles the data's without reading the file at run time.
 */

/**
 * The repayment status of the latest month (X6) grouped as the simulator's risk classes: share
 * of clients, and the share of them that defaulted on the next payment (Y).
 */
export const RISK_CLASSES = [
  { name: 'paid-in-full', share: 0.2827, defaultRate: 0.157 },
  { name: 'revolving', share: 0.49, defaultRate: 0.1303 },
  { name: 'one-month-late', share: 0.1225, defaultRate: 0.3419 },
  { name: 'two-or-more-late', share: 0.1048, defaultRate: 0.6967 },
] as const;

export type RiskClass = (typeof RISK_CLASSES)[number]['name'];

/** Deciles of the positive latest bill (X12), in NT dollars. */
export const BILL_DECILES_TWD = [1, 1324, 4443, 9861, 17781, 27796, 44177, 59650, 91141, 149892, 964511] as const;

/** New Taiwan dollars per US dollar in 2005, to carry bill sizes over to the simulated currencies. */
export const TWD_PER_USD = 32;

/** Of the clients who paid something against a bill, the share who paid it in full (X18 ≥ X13). */
export const FULL_PAYMENT_SHARE = 0.255;

/*
 Derivation (python3, in ../shared/datasets/uci-credit-default):
   rows = list(csv.DictReader(open('train.csv')))
   class of a row = min(max(int(X6), -1), 2): -1 paid in full, 0 revolving, 1 one month late, 2 two or more
   share = count / len(rows); defaultRate = mean(Y) per class
   bill deciles = sorted positive X12 at i/10 of the way, then the maximum
   full payment share = share of rows with X13 > 0 and X18 ≥ X13
*/
