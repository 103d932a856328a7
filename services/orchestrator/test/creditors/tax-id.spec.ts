import { AppError } from '@collections/platform';
import { parseCnpj, parseCpf, parseRfc, validateCreditorProfile } from '../../src/creditors/domain';

const PROFILE = {
  country: 'BR',
  legalName: 'Banco Exemplo S.A.',
  taxIdKind: 'CNPJ',
  taxId: '11222333000181',
  postalAddress: '',
  phone: '',
  collectorLegalName: '',
  collectorTaxIdKind: '',
  collectorTaxId: '',
  itemizationReference: '',
};

const fieldOf = (input: typeof PROFILE) => {
  try {
    validateCreditorProfile(input);
  } catch (err) {
    return err instanceof AppError ? (err.details as { field: string }).field : 'not an AppError';
  }
  return 'accepted';
};

describe(validateCreditorProfile.name, () => {
  it('accepts a CNPJ, numeric or alphanumeric (from July 2026), and writes it punctuated', () => {
    expect(parseCnpj('11222333000181')).toBe('11.222.333/0001-81');
    expect(parseCnpj('12.abc.345/01de-35')).toBe('12.ABC.345/01DE-35');
    expect(parseCnpj('11.222.333/0001-82')).toBeNull();
    expect(parseCnpj('00000000000000')).toBeNull();
  });

  it('accepts a CPF only with its two check digits right', () => {
    expect(parseCpf('12345678909')).toBe('123.456.789-09');
    expect(parseCpf('123.456.789-00')).toBeNull();
    expect(parseCpf('111.111.111-11')).toBeNull();
  });

  it('accepts an RFC of a company or a person with a real date', () => {
    expect(parseRfc('fej010203ab1')).toBe('FEJ010203AB1');
    expect(parseRfc('GODE561231GR8')).toBe('GODE561231GR8');
    expect(parseRfc('FEJ011303AB1')).toBeNull();
    expect(parseRfc('FE010203AB1')).toBeNull();
  });

  it('names the field that is wrong', () => {
    expect(fieldOf(PROFILE)).toBe('accepted');
    expect(fieldOf({ ...PROFILE, taxId: '11222333000180' })).toBe('tax_id');
    expect(fieldOf({ ...PROFILE, taxIdKind: 'RFC', taxId: 'FEJ010203AB1' })).toBe('tax_id_kind');
    expect(fieldOf({ ...PROFILE, legalName: '  ' })).toBe('legal_name');
    expect(fieldOf({ ...PROFILE, country: 'JP' })).toBe('country');
    expect(fieldOf({ ...PROFILE, collectorTaxIdKind: 'CPF', collectorTaxId: '12345678909' })).toBe(
      'collector_legal_name',
    );
    expect(fieldOf({ ...PROFILE, collectorLegalName: 'Cobra', collectorTaxIdKind: 'CPF', collectorTaxId: '1' })).toBe(
      'collector_tax_id',
    );
    expect(fieldOf({ ...PROFILE, country: 'MX', taxIdKind: 'CNPJ' })).toBe('tax_id_kind');
  });
});
