import { Controller, Inject } from '@nestjs/common';
import { orchestrator } from '@collections/contracts';
import { currentTenantId } from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { StrategiesRpc } from '../strategies/strategies.rpc';
import { ContactRulesRpc } from '../policy/contact-rules.rpc';
import { decisionStage } from '../planning/usecases/plan-account.usecase';

interface DecisionRow {
  id: string;
  account_id: string;
  channel: number;
  allowed: boolean;
  reasons: string[];
  decided_at: Date;
  next_permitted_at: Date | null;
  arm_id: string | null;
  pack_version: string | null;
  override_version: number | null;
  stage: 'plan' | 'send';
}

@Controller()
@orchestrator.OrchestratorServiceControllerMethods()
export class OrchestratorGrpcController implements orchestrator.OrchestratorServiceController {
  constructor(
    @Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext,
    private readonly strategies: StrategiesRpc,
    private readonly contactRules: ContactRulesRpc,
  ) {}

  putStrategy(request: orchestrator.PutStrategyRequest): Promise<orchestrator.PutStrategyResponse> {
    return this.strategies.putStrategy(request);
  }

  getStrategy(request: orchestrator.GetStrategyRequest): Promise<orchestrator.GetStrategyResponse> {
    return this.strategies.getStrategy(request);
  }

  listStrategyVersions(
    request: orchestrator.ListStrategyVersionsRequest,
  ): Promise<orchestrator.ListStrategyVersionsResponse> {
    return this.strategies.listStrategyVersions(request);
  }

  getStrategyArms(request: orchestrator.GetStrategyArmsRequest): Promise<orchestrator.GetStrategyArmsResponse> {
    return this.strategies.getStrategyArms(request);
  }

  putContactRulesOverride(
    request: orchestrator.PutContactRulesOverrideRequest,
  ): Promise<orchestrator.PutContactRulesOverrideResponse> {
    return this.contactRules.putContactRulesOverride(request);
  }

  getContactRules(request: orchestrator.GetContactRulesRequest): Promise<orchestrator.GetContactRulesResponse> {
    return this.contactRules.getContactRules(request);
  }

  async getContactDecision(
    request: orchestrator.GetContactDecisionRequest,
  ): Promise<orchestrator.GetContactDecisionResponse> {
    const [row] = (await this.ctx.dataSource.query(
      `SELECT * FROM contact_decision WHERE tenant_id = $1 AND account_id = $2 ORDER BY decided_at DESC, id LIMIT 1`,
      [currentTenantId(), request.accountId],
    )) as DecisionRow[];
    if (!row) return { found: false };
    return {
      found: true,
      decision: {
        decisionId: row.id,
        accountId: row.account_id,
        channel: row.channel,
        allowed: row.allowed,
        reasons: row.reasons,
        decidedAt: row.decided_at,
        nextPermittedAt: row.next_permitted_at ?? undefined,
        armId: row.arm_id ?? undefined,
        packVersion: row.pack_version ?? undefined,
        overrideVersion: row.override_version ?? undefined,
        stage: decisionStage(row.stage),
      },
    };
  }
}
