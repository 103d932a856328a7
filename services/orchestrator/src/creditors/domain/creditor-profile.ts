import { AppError, TextLimits, requireTextWithin } from '@collections/platform';
import {
  ITEMIZATION_REFERENCES,
  ItemizationReference,
  JURISDICTIONS,
  TAX_ID_KINDS,
  TaxIdKind,
} from '../../policy/domain';
import { TAX_ID_FORMS, TAX_ID_KINDS_OF, TaxId, parseTaxId } from './tax-id';

/**
 * Who a tenant's messages name as the creditor (Brazil's art. 42-A: name and CNPJ/CPF; Mexico's
 * CONDUSEF: identify the firm) and, when a collection agency collects for it, the agency.
 */
export interface CreditorProfile {
  /** ISO 3166-1 alpha-2 of the debtors it is for; '' for every country without a profile of its own. */
  readonly country: string;
  readonly legalName: string;
  readonly taxId: TaxId;
  /** Letters and e-mails: where the debtor may write, and whom to call. '' when not configured. */
  readonly postalAddress: string;
  readonly phone: string;
  /** The collection agency sending on the creditor's behalf, if one does. */
  readonly collector?: { readonly legalName: string; readonly taxId: TaxId };
  /**
   * The reference date a US validation notice's itemization is as of (§1006.34(b)(3)); absent: the
   * last statement date (`DEFAULT_ITEMIZATION_REFERENCE`).
   */
  readonly itemizationReference?: ItemizationReference;
}

/** A profile as asked for, before validation (the proto's fields, in its snake_case names for errors). */
export interface CreditorProfileInput {
  readonly country: string;
  readonly legalName: string;
  readonly taxIdKind: string;
  readonly taxId: string;
  readonly postalAddress: string;
  readonly phone: string;
  readonly collectorLegalName: string;
  readonly collectorTaxIdKind: string;
  readonly collectorTaxId: string;
  /** `ItemizationReference`, or '' for none chosen (the proto's UNSPECIFIED). */
  readonly itemizationReference: string;
}

const LIMITS: TextLimits<'legal_name' | 'postal_address' | 'phone' | 'collector_legal_name'> = {
  legal_name: 200,
  postal_address: 400,
  phone: 40,
  collector_legal_name: 200,
};

const invalid = (field: string, problem: string) => AppError.invalid(`${field} ${problem}`, { field });

function taxIdOf(kindField: string, idField: string, kindText: string, idText: string, country: string): TaxId {
  const kind = kindText.trim().toUpperCase();
  if (!(TAX_ID_KINDS as readonly string[]).includes(kind))
    throw invalid(kindField, `must be one of ${TAX_ID_KINDS.join(', ')}`);
  const allowed = TAX_ID_KINDS_OF[country];
  if (allowed && !allowed.includes(kind as TaxIdKind))
    throw invalid(kindField, `must be ${allowed.join(' or ')} for ${country}`);
  const value = parseTaxId(kind as TaxIdKind, idText);
  if (value === null) throw invalid(idField, `is not ${TAX_ID_FORMS[kind as TaxIdKind]}`);
  return { kind: kind as TaxIdKind, value };
}

/**
 * The profile, validated: a known country or none, a legal name, a tax id of a kind the country
 * uses (CNPJ or CPF in Brazil, RFC in Mexico) with valid check digits or format, texts within
 * their limits, a collector either whole (name and tax id) or absent, and a known itemization
 * reference or none. Otherwise
 * INVALID_ARGUMENT naming the first bad field; the value itself is not quoted back.
 */
export function validateCreditorProfile(input: CreditorProfileInput): CreditorProfile {
  const country = input.country.trim().toUpperCase();
  if (country !== '' && !(JURISDICTIONS as readonly string[]).includes(country))
    throw invalid('country', `must be empty (every country) or one of ${JURISDICTIONS.join(', ')}`);
  requireTextWithin(LIMITS, {
    legal_name: input.legalName,
    postal_address: input.postalAddress,
    phone: input.phone,
    collector_legal_name: input.collectorLegalName,
  });
  const legalName = oneLine(input.legalName);
  if (!legalName) throw invalid('legal_name', 'is required');
  const taxId = taxIdOf('tax_id_kind', 'tax_id', input.taxIdKind, input.taxId, country);
  const phone = input.phone.trim();
  if (phone && !/^\+?[0-9 ().-]{6,30}$/.test(phone))
    throw invalid('phone', 'must be a phone number (digits, spaces, + ( ) . -)');
  const postalAddress = input.postalAddress
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean)
    .join(', ');
  const collectorName = oneLine(input.collectorLegalName);
  const anyCollector = collectorName || input.collectorTaxIdKind.trim() || input.collectorTaxId.trim();
  let collector: CreditorProfile['collector'];
  if (anyCollector) {
    if (!collectorName) throw invalid('collector_legal_name', 'is required with a collector tax id');
    collector = {
      legalName: collectorName,
      taxId: taxIdOf(
        'collector_tax_id_kind',
        'collector_tax_id',
        input.collectorTaxIdKind,
        input.collectorTaxId,
        country,
      ),
    };
  }
  const itemizationReference = input.itemizationReference.trim();
  if (itemizationReference && !(ITEMIZATION_REFERENCES as readonly string[]).includes(itemizationReference))
    throw invalid(
      'itemization_reference',
      `must be one of ${ITEMIZATION_REFERENCE_NAMES.join(', ')} (or unset: the last statement date)`,
    );
  return {
    country,
    legalName,
    taxId,
    postalAddress,
    phone,
    ...(collector ? { collector } : {}),
    ...(itemizationReference ? { itemizationReference: itemizationReference as ItemizationReference } : {}),
  };
}

/** The choices as the API names them (`ItemizationReference` in `creditors.proto`). */
const ITEMIZATION_REFERENCE_NAMES = ITEMIZATION_REFERENCES.map(
  (r) => `ITEMIZATION_REFERENCE_${r.toUpperCase().replace('-', '_')}`,
);

const oneLine = (text: string) => text.replace(/\s+/g, ' ').trim();
