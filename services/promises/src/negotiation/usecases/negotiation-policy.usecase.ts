import { promises } from '@collections/contracts';
import { AppError, TENANT_CONFIGURATION_ROLES, currentPrincipal, requireRole } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { policyToProto, validatePolicy } from '../domain/negotiation-policy';
import { NegotiationPoliciesRepository } from '../negotiation.repository';

/** Versions are 32-bit integers (the column's and the proto's type). */
const MAX_VERSION = 2_147_483_647;

/** Reads and sets a tenant's negotiation limits; every change is a new version, kept with who, when and why. */
export class NegotiationPolicyUseCase {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly repo: NegotiationPoliciesRepository,
  ) {}

  async get(tenantId: string, version: number): Promise<promises.NegotiationPolicy> {
    if (!Number.isInteger(version) || version < 0 || version > MAX_VERSION)
      throw AppError.invalid(`version must be 0 (current) or a positive integer up to ${MAX_VERSION}`);
    const policy = await this.repo.find(this.ctx.dataSource.manager, tenantId, version);
    if (!policy) throw AppError.notFound(`negotiation policy version ${version} does not exist`);
    return policyToProto(policy);
  }

  async set(tenantId: string, request: promises.SetNegotiationPolicyRequest): Promise<promises.NegotiationPolicy> {
    // The limits bound agents and supervisors alike: neither sets its own.
    requireRole(currentPrincipal(), TENANT_CONFIGURATION_ROLES, 'changing the negotiation limits');
    const limits = validatePolicy(request.policy);
    if (!request.changedBy)
      throw AppError.invalid('changed_by is required: who changes the limits', { field: 'changed_by' });
    const saved = await this.ctx.dataSource.transaction((tx) =>
      this.repo.append(tx, tenantId, {
        limits,
        version: 0,
        changedBy: request.changedBy,
        changeReason: request.reason,
        changedAt: this.ctx.clock.now(),
      }),
    );
    this.ctx.logger.info({ tenantId, version: saved.version }, 'negotiation policy changed');
    return policyToProto(saved);
  }
}
