import { AppError } from './errors';
import { Principal } from './tenant-context';

/**
 * The roles a user token's `roles` claim may carry that the platform's access checks ask for, in
 * one place. An API key is the tenant's trusted integration and passes every check; a user needs
 * one of the roles a check names. Reads of the tenant's configuration and the debtor-facing work
 * (holds, consent, payments, plans and offers within the negotiation limits, agents' claims and
 * outcomes) need no role: every user of the tenant may.
 */
export const ROLES = Object.freeze({
  /**
   * The tenant's administrator: the tenant's configuration (strategies, agents' skills and
   * capacity, aging buckets, negotiation limits, segment rules) and the legal configuration too.
   */
  admin: 'admin',
  /** The tenant's compliance officer: the legal configuration (contact-rules overrides, creditor profiles). */
  compliance: 'compliance',
  /** Decides on the offers held for approval. */
  supervisor: 'supervisor',
  /** Works the debtors: no check asks for it, named so tokens and tests speak the same word. */
  agent: 'agent',
  /** Trains scoring models. */
  scoringAdmin: 'scoring-admin',
  /** Moves the simulated clock of the whole platform. */
  platformAdmin: 'platform-admin',
} as const);

export type PlatformRole = (typeof ROLES)[keyof typeof ROLES];

/** Who may change the tenant's configuration. */
export const TENANT_CONFIGURATION_ROLES: readonly PlatformRole[] = Object.freeze([ROLES.admin]);

/**
 * Who may change the tenant's legal configuration (what the contact law and the debtor's messages
 * say about the creditor): a compliance officer, or the administrator who sets the tenant up.
 */
export const LEGAL_CONFIGURATION_ROLES: readonly PlatformRole[] = Object.freeze([ROLES.compliance, ROLES.admin]);

/**
 * Who may erase a debtor's personal data (irreversible): a compliance officer, who answers the
 * data-subject requests, or the administrator.
 */
export const ERASURE_ROLES: readonly PlatformRole[] = Object.freeze([ROLES.compliance, ROLES.admin]);

/**
 * Who may run a daily job by hand for a date of their choosing (the ledger's delinquency run,
 * promises' daily run): an operator's act, since a date ahead of the clock would declare
 * instalments missed and promises broken early. The jobs on the clock need nobody.
 */
export const DAILY_RUN_ROLES: readonly PlatformRole[] = Object.freeze([ROLES.admin]);

/** True when `principal` is an API key or a user holding one of `roles`. */
export function hasRole(principal: Principal, roles: readonly string[]): boolean {
  if (principal.kind === 'api-key') return true;
  return principal.kind === 'user' && roles.some((role) => principal.roles.includes(role));
}

/**
 * The access check a service method begins with: returns `principal` when it is an API key or a
 * user holding one of `roles`, else throws PERMISSION_DENIED (HTTP 403, gRPC PERMISSION_DENIED)
 * naming `action` and the roles it needs, e.g. "changing collection strategies needs the admin
 * role".
 */
export function requireRole(principal: Principal, roles: readonly string[], action: string): Principal {
  if (roles.length === 0) throw AppError.internal(`the access check of ${action} names no role`);
  if (hasRole(principal, roles)) return principal;
  const needed = roles.length === 1 ? roles[0] : `${roles.slice(0, -1).join(', ')} or ${roles[roles.length - 1]}`;
  throw AppError.permissionDenied(`${action} needs the ${needed} role`, { requiredRoles: [...roles] });
}
