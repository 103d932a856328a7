/** Why the policy module refused to work; adapters map each code to their transport. */
export enum PolicyErrorCode {
  InvalidRulePack = 'INVALID_RULE_PACK',
  /** The override would loosen the pack (or names rules it does not have). */
  TenantOverrideRejected = 'TENANT_OVERRIDE_REJECTED',
  UnknownTimeZone = 'UNKNOWN_TIME_ZONE',
  UnknownHolidayRegion = 'UNKNOWN_HOLIDAY_REGION',
}

export interface PolicyViolation {
  /** Where in the pack or override, e.g. `frequencyCaps.US-CALLS-7-IN-7.max`. */
  path: string;
  problem: string;
}

export class PolicyError extends Error {
  override readonly name = 'PolicyError';

  constructor(
    readonly code: PolicyErrorCode,
    message: string,
    readonly violations: readonly PolicyViolation[] = [],
  ) {
    super(violations.length ? `${message}: ${violations.map((v) => `${v.path} ${v.problem}`).join('; ')}` : message);
  }

  /** The offending paths, in the order found. */
  get paths(): string[] {
    return this.violations.map((v) => v.path);
  }
}
