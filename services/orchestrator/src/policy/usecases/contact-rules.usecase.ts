import { DataSource } from 'typeorm';
import { AppError, LEGAL_CONFIGURATION_ROLES, currentPrincipal, requireRole } from '@collections/platform';
import { JURISDICTIONS, Jurisdiction, PolicyError, TenantRules, tenantRulesOf } from '../domain';
import { RULE_PACKS } from '../packs';
import { ContactRulesOverrideRow, ContactRulesRepository } from '../contact-rules.repository';
import { TenantRulePacks } from '../tenant-rule-packs';

/** The contact law in force for a tenant in a jurisdiction, and the override that made it so. */
export interface ContactRulesView {
  readonly jurisdiction: Jurisdiction;
  readonly rules: TenantRules;
  readonly override: ContactRulesOverrideRow | undefined;
}

/**
 * Put and read a tenant's overrides of the contact-rule packs; every method is scoped to the
 * caller's tenant. An override is stored only when it makes the law stricter, and only for the
 * compliance or admin role (or the tenant's API key); reading the rules is open to its users.
 */
export class ContactRulesUseCase {
  constructor(
    private readonly dataSource: DataSource,
    private readonly packs: TenantRulePacks,
    private readonly now: () => Date,
    private readonly repo = new ContactRulesRepository(),
  ) {}

  /** Stores version n+1 when `text` (JSON) only tightens the pack; otherwise INVALID_ARGUMENT, nothing stored. */
  async put(tenantId: string, jurisdiction: string, text: string): Promise<ContactRulesView> {
    requireRole(currentPrincipal(), LEGAL_CONFIGURATION_ROLES, 'overriding the contact rules');
    const j = checkJurisdiction(jurisdiction);
    let document: unknown;
    try {
      document = JSON.parse(text);
    } catch (err) {
      throw AppError.invalid(`contact rules override of ${j} is not JSON: ${(err as Error).message}`);
    }
    const base = RULE_PACKS[j];
    try {
      // Checked as the version it would become: the ids in added holds name it.
      tenantRulesOf(base, tenantId, { version: 1, document });
    } catch (err) {
      if (!(err instanceof PolicyError)) throw err;
      throw AppError.invalid(
        `contact rules override of ${j} refused, it would loosen or break the law: ${err.violations
          .map((v) => `${v.path} ${v.problem}`)
          .join('; ')}`,
        { violations: err.violations.map((v) => ({ path: v.path, problem: v.problem })) },
      );
    }
    const row = await this.repo.append(this.dataSource, tenantId, j, document, this.now());
    this.packs.invalidate(tenantId);
    return { jurisdiction: j, rules: tenantRulesOf(base, tenantId, row), override: row };
  }

  async get(tenantId: string, jurisdiction: string): Promise<ContactRulesView> {
    const j = checkJurisdiction(jurisdiction);
    return {
      jurisdiction: j,
      rules: await this.packs.of(this.dataSource, tenantId, j),
      override: await this.packs.overrideOf(this.dataSource, tenantId, j),
    };
  }
}

function checkJurisdiction(jurisdiction: string): Jurisdiction {
  if (!(JURISDICTIONS as readonly string[]).includes(jurisdiction))
    throw AppError.invalid(`jurisdiction must be one of ${JURISDICTIONS.join(', ')}`, { jurisdiction });
  return jurisdiction as Jurisdiction;
}
