export * from './contact-case.types';
export * from './rule-pack.types';
export { PolicyError, PolicyErrorCode, type PolicyViolation } from './policy.error';
export { evaluate } from './contact-policy.engine';
export { coPartyHoldStops, coPartyHoldWords } from './co-party-holds';
export { applyTenantOverride, windowCovers, type TenantOverride } from './tenant-override.policy';
export { assertValidRulePack, rulePackViolations } from './rule-pack.validator';
export { TimeZoneClock, type LocalInstant } from './time-zone.clock';
export { PublicHolidayCalendar } from './public-holiday.calendar';
export { tenantRulesOf, type OverrideDocument, type TenantRules } from './tenant-rules';
export { validationPeriodEnd } from './validation-period';
export { inconvenientWindowViolations } from './inconvenient-times';
export {
  MAX_LIMITATION_YEARS,
  US_SUBDIVISIONS,
  timeBarredCheck,
  timeBarredOn,
  timeBarredReason,
  usStateOf,
  type TimeBarredCheck,
  type TimeBarredDebtOverride,
} from './time-barred-debt';
export {
  DEFAULT_ITEMIZATION_REFERENCE,
  ITEMIZATION_REFERENCES,
  isItemizationRefusal,
  itemizationDifference,
  itemizationFallbacks,
  itemizeDebt,
  type DebtItemization,
  type ItemizationReference,
  type ItemizationRefusal,
  type LedgerActivity,
  type LedgerEntry,
  type LedgerEntryKind,
} from './debt-itemization';
export { ruleKindOf, ruleKindsOf, type RuleKind } from './rule-kinds';
