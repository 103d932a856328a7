import { AppError, TENANT_CONFIGURATION_ROLES, currentPrincipal, requireRole } from '@collections/platform';
import { StrategyFormat, StrategyViolation, formatViolation, parseStrategyText, validateStrategy } from '../domain';
import { ArmSplit, StrategyRepository, StrategyVersionRow } from '../strategy.repository';

const STRATEGY_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;

/**
 * Put, get and list a tenant's strategy versions; every method is scoped to the caller's tenant.
 * Putting one is the tenant's configuration (admin); reading them is open to the tenant's users.
 */
export class StrategiesUseCase {
  constructor(
    private readonly repo: StrategyRepository,
    private readonly templateExists: (templateId: string) => boolean,
  ) {}

  /** Stores version n+1 only when the document is valid; otherwise the active version stays. */
  async put(tenantId: string, strategyId: string, text: string, format: StrategyFormat): Promise<StrategyVersionRow> {
    requireRole(currentPrincipal(), TENANT_CONFIGURATION_ROLES, 'changing collection strategies');
    checkStrategyId(strategyId);
    const parsed = parseStrategyText(text, format);
    if (!parsed.ok) throw invalid([parsed.violation]);
    const result = validateStrategy(parsed.value, { templateExists: this.templateExists });
    if (!result.valid) throw invalid(result.violations);
    return this.repo.append(tenantId, strategyId, result.document);
  }

  /** `version` 0 asks for the active one. */
  async get(tenantId: string, strategyId: string, version: number): Promise<StrategyVersionRow> {
    checkStrategyId(strategyId);
    if (!Number.isInteger(version) || version < 0) throw AppError.invalid('version must be 0 (active) or positive');
    const row = await this.repo.find(tenantId, strategyId, version === 0 ? 'active' : version);
    if (!row) {
      throw AppError.notFound(
        version === 0 ? `no strategy ${strategyId}` : `no version ${version} of strategy ${strategyId}`,
        { strategyId, version },
      );
    }
    return row;
  }

  async list(tenantId: string, strategyId: string): Promise<StrategyVersionRow[]> {
    checkStrategyId(strategyId);
    return this.repo.list(tenantId, strategyId);
  }

  /** The split as it ran: per arm of the active version, accounts and contacts sent; each account's arm. */
  async arms(tenantId: string, strategyId: string): Promise<ArmSplit> {
    const active = await this.get(tenantId, strategyId, 0);
    const split = await this.repo.armSplit(tenantId, strategyId);
    const known = active.document.arms.map((a) => a.id);
    const order = [
      ...known,
      ...split.arms
        .map((a) => a.armId)
        .filter((id) => !known.includes(id))
        .sort(),
    ];
    return {
      arms: order.map(
        (armId) => split.arms.find((a) => a.armId === armId) ?? { armId, accounts: 0, contactsSent: 0, byChannel: {} },
      ),
      assignments: split.assignments,
    };
  }
}

function checkStrategyId(strategyId: string): void {
  if (!STRATEGY_ID.test(strategyId)) {
    throw AppError.invalid('strategy id must be 1-64 of a-z, 0-9, _ . - and start with a letter or digit', {
      strategyId,
    });
  }
}

/** The gRPC status message carries every error by path; REST also gets them structured in details. */
function invalid(violations: readonly StrategyViolation[]): AppError {
  return AppError.invalid(`invalid strategy: ${violations.map(formatViolation).join('; ')}`, { violations });
}
