import { Jurisdiction } from './contact-case.types';
import { PolicyError, PolicyErrorCode } from './policy.error';
import { RulePack } from './rule-pack.types';
import { TenantOverride, applyTenantOverride } from './tenant-override.policy';

/**
 * The contact law that decides for one tenant's debtors in one jurisdiction: the base pack, or
 * the pack with the tenant's override applied (`overrideVersion` its stored version).
 */
export interface TenantRules {
  readonly pack: RulePack;
  readonly basePackVersion: string;
  /** Null when the tenant has no override: the base pack decides. */
  readonly overrideVersion: number | null;
}

/** The keys an override document may have (`TenantOverride` without the ids the store assigns). */
const OVERRIDE_KEYS = [
  'contactHours',
  'publicHolidays',
  'frequencyCaps',
  'minimumSpacing',
  'channelMix',
  'quietPeriods',
  'consent',
  'holds',
  'coPartyHolds',
  'auditRetentionDays',
  'enforcement',
  'add',
] as const;

export type OverrideDocument = Omit<TenantOverride, 'tenantId' | 'version'>;

/**
 * The tenant's rules from the base pack and the stored override (if any). Throws PolicyError
 * (TenantOverrideRejected) naming every path of a document that is malformed or would loosen the
 * pack: a stored override was checked the same way when it was put.
 */
export function tenantRulesOf(
  base: RulePack,
  tenantId: string,
  override: { readonly version: number; readonly document: unknown } | undefined,
): TenantRules {
  if (!override) return { pack: base, basePackVersion: base.version, overrideVersion: null };
  const document = overrideDocumentOf(override.document, base.jurisdiction);
  let pack: RulePack;
  try {
    pack = applyTenantOverride(base, { ...document, tenantId, version: `v${override.version}` });
  } catch (err) {
    if (err instanceof PolicyError) throw err;
    // A document of the right keys but the wrong shapes inside (a number for a list, ...).
    throw new PolicyError(PolicyErrorCode.TenantOverrideRejected, `override of ${base.jurisdiction} is malformed`, [
      { path: '', problem: `cannot be read as an override (${(err as Error).message})` },
    ]);
  }
  return { pack, basePackVersion: base.version, overrideVersion: override.version };
}

function overrideDocumentOf(document: unknown, jurisdiction: Jurisdiction): OverrideDocument {
  if (typeof document !== 'object' || document === null || Array.isArray(document))
    throw new PolicyError(PolicyErrorCode.TenantOverrideRejected, `override of ${jurisdiction} is malformed`, [
      { path: '', problem: 'must be a JSON object' },
    ]);
  const unknown = Object.keys(document).filter((k) => !(OVERRIDE_KEYS as readonly string[]).includes(k));
  if (unknown.length)
    throw new PolicyError(
      PolicyErrorCode.TenantOverrideRejected,
      `override of ${jurisdiction} is malformed`,
      unknown.map((k) => ({ path: k, problem: `is not part of an override (${OVERRIDE_KEYS.join(', ')})` })),
    );
  return document as OverrideDocument;
}
