import { Inject, Injectable } from '@nestjs/common';
import { orchestratorCreditors as pb } from '@collections/contracts';
import {
  AppError,
  LEGAL_CONFIGURATION_ROLES,
  currentPrincipal,
  currentTenantId,
  requireRole,
} from '@collections/platform';
import { SERVICE_CONTEXT, ServiceContext } from '@collections/runtime';
import { ItemizationReference, TaxIdKind } from '../policy/domain';
import { CreditorProfileRepository, CreditorProfileRow, profileOfRow } from './creditor-profile.repository';
import { validateCreditorProfile } from './domain';

const KIND_NAMES: Readonly<Record<pb.TaxIdKind, string>> = {
  [pb.TaxIdKind.TAX_ID_KIND_UNSPECIFIED]: '',
  [pb.TaxIdKind.TAX_ID_KIND_CNPJ]: 'CNPJ',
  [pb.TaxIdKind.TAX_ID_KIND_CPF]: 'CPF',
  [pb.TaxIdKind.TAX_ID_KIND_RFC]: 'RFC',
  [pb.TaxIdKind.TAX_ID_KIND_EIN]: 'EIN',
  [pb.TaxIdKind.TAX_ID_KIND_OTHER]: 'OTHER',
  [pb.TaxIdKind.UNRECOGNIZED]: '',
};
const KIND_CODES: Readonly<Record<TaxIdKind, pb.TaxIdKind>> = {
  CNPJ: pb.TaxIdKind.TAX_ID_KIND_CNPJ,
  CPF: pb.TaxIdKind.TAX_ID_KIND_CPF,
  RFC: pb.TaxIdKind.TAX_ID_KIND_RFC,
  EIN: pb.TaxIdKind.TAX_ID_KIND_EIN,
  OTHER: pb.TaxIdKind.TAX_ID_KIND_OTHER,
};

const REFERENCE_NAMES: Readonly<Record<pb.ItemizationReference, string>> = {
  [pb.ItemizationReference.ITEMIZATION_REFERENCE_UNSPECIFIED]: '',
  [pb.ItemizationReference.ITEMIZATION_REFERENCE_LAST_STATEMENT]: 'last-statement',
  [pb.ItemizationReference.ITEMIZATION_REFERENCE_CHARGE_OFF]: 'charge-off',
  [pb.ItemizationReference.ITEMIZATION_REFERENCE_LAST_PAYMENT]: 'last-payment',
  [pb.ItemizationReference.ITEMIZATION_REFERENCE_TRANSACTION]: 'transaction',
  // Not one of the names (a typo in the JSON, a number out of range): refused, naming the field.
  [pb.ItemizationReference.UNRECOGNIZED]: 'unrecognized',
};
const REFERENCE_CODES: Readonly<Record<ItemizationReference, pb.ItemizationReference>> = {
  'last-statement': pb.ItemizationReference.ITEMIZATION_REFERENCE_LAST_STATEMENT,
  'charge-off': pb.ItemizationReference.ITEMIZATION_REFERENCE_CHARGE_OFF,
  'last-payment': pb.ItemizationReference.ITEMIZATION_REFERENCE_LAST_PAYMENT,
  transaction: pb.ItemizationReference.ITEMIZATION_REFERENCE_TRANSACTION,
};

/** The CreditorProfileService RPCs: proto in, validated profile, proto out. The gRPC controller and REST twin call here. */
@Injectable()
export class CreditorProfilesRpc implements pb.CreditorProfileServiceController {
  private readonly repo = new CreditorProfileRepository();

  constructor(@Inject(SERVICE_CONTEXT) private readonly ctx: ServiceContext) {}

  async putCreditorProfile(request: pb.PutCreditorProfileRequest): Promise<pb.PutCreditorProfileResponse> {
    const { tenantId } = requireRole(currentPrincipal(), LEGAL_CONFIGURATION_ROLES, 'changing creditor profiles');
    const p = request.profile;
    const profile = validateCreditorProfile({
      country: p?.country ?? '',
      legalName: p?.creditor?.legalName ?? '',
      taxIdKind: KIND_NAMES[p?.creditor?.taxIdKind ?? pb.TaxIdKind.TAX_ID_KIND_UNSPECIFIED] ?? '',
      taxId: p?.creditor?.taxId ?? '',
      postalAddress: p?.postalAddress ?? '',
      phone: p?.phone ?? '',
      collectorLegalName: p?.collector?.legalName ?? '',
      collectorTaxIdKind: p?.collector ? (KIND_NAMES[p.collector.taxIdKind] ?? '') : '',
      collectorTaxId: p?.collector?.taxId ?? '',
      itemizationReference: p ? (REFERENCE_NAMES[p.itemizationReference] ?? 'unrecognized') : '',
    });
    const row = await this.repo.put(this.ctx.dataSource, tenantId, profile, this.ctx.clock.now());
    return { profile: mapCreditorProfile(row) };
  }

  async getCreditorProfile(request: pb.GetCreditorProfileRequest): Promise<pb.GetCreditorProfileResponse> {
    const country = request.country.trim().toUpperCase();
    const row = await this.repo.get(this.ctx.dataSource, currentTenantId(), country);
    if (!row) throw AppError.notFound(`no creditor profile for ${country || 'the default'}`);
    return { profile: mapCreditorProfile(row) };
  }

  async listCreditorProfiles(): Promise<pb.ListCreditorProfilesResponse> {
    return { profiles: (await this.repo.list(this.ctx.dataSource, currentTenantId())).map(mapCreditorProfile) };
  }
}

export function mapCreditorProfile(row: CreditorProfileRow): pb.CreditorProfile {
  const p = profileOfRow(row);
  return {
    country: p.country,
    creditor: { legalName: p.legalName, taxIdKind: KIND_CODES[p.taxId.kind], taxId: p.taxId.value },
    postalAddress: p.postalAddress,
    phone: p.phone,
    ...(p.collector
      ? {
          collector: {
            legalName: p.collector.legalName,
            taxIdKind: KIND_CODES[p.collector.taxId.kind],
            taxId: p.collector.taxId.value,
          },
        }
      : {}),
    itemizationReference: p.itemizationReference
      ? REFERENCE_CODES[p.itemizationReference]
      : pb.ItemizationReference.ITEMIZATION_REFERENCE_UNSPECIFIED,
    updatedAt: p.updatedAt,
  };
}
