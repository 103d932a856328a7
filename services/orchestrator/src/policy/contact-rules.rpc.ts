import { Injectable } from '@nestjs/common';
import { orchestrator } from '@collections/contracts';
import { currentTenantId } from '@collections/platform';
import { ContactRulesUseCase, ContactRulesView } from './usecases/contact-rules.usecase';

type ContactRulesRpcs = Pick<orchestrator.OrchestratorServiceController, 'putContactRulesOverride' | 'getContactRules'>;

/** The contact-rules RPCs: translate proto to use case and back. The gRPC controller and REST twin both call here. */
@Injectable()
export class ContactRulesRpc implements ContactRulesRpcs {
  constructor(private readonly rules: ContactRulesUseCase) {}

  async putContactRulesOverride(
    request: orchestrator.PutContactRulesOverrideRequest,
  ): Promise<orchestrator.PutContactRulesOverrideResponse> {
    return {
      rules: mapContactRules(await this.rules.put(currentTenantId(), request.jurisdiction, request.document)),
    };
  }

  async getContactRules(request: orchestrator.GetContactRulesRequest): Promise<orchestrator.GetContactRulesResponse> {
    return { rules: mapContactRules(await this.rules.get(currentTenantId(), request.jurisdiction)) };
  }
}

export function mapContactRules(view: ContactRulesView): orchestrator.ContactRules {
  return {
    jurisdiction: view.jurisdiction,
    basePackVersion: view.rules.basePackVersion,
    overrideVersion: view.rules.overrideVersion ?? 0,
    packVersion: view.rules.pack.version,
    effectivePack: JSON.stringify(view.rules.pack),
    overrideDocument: view.override ? JSON.stringify(view.override.document) : '',
    overrideCreatedAt: view.override?.created_at,
  };
}
