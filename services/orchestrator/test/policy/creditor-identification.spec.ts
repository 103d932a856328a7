import { ContactCase, CreditorOnRecord, evaluate } from '../../src/policy/domain';
import { BR_CDC_PACK, MX_CONDUSEF_PACK, RULE_PACKS } from '../../src/policy/packs';

const caseOf = (over: Partial<ContactCase>): ContactCase => ({
  timezone: 'America/Sao_Paulo',
  channel: 'sms',
  at: new Date('2026-03-10T15:00:00Z'),
  debtId: 'acct-1',
  history: [],
  consent: ['sms', 'email', 'letter', 'whatsapp', 'call', 'visit'],
  optedOut: [],
  holds: [],
  ...over,
});
const CNPJ_ONLY: CreditorOnRecord = { taxIdKind: 'CNPJ', postalAddress: false, phone: false };
const COMPLETE = (taxIdKind: CreditorOnRecord['taxIdKind']): CreditorOnRecord => ({
  taxIdKind,
  postalAddress: true,
  phone: true,
});

describe('creditor identification in the contact law', () => {
  it('refuses a Brazilian contact for good while the tenant has no creditor profile, in words an operator understands', () => {
    const sut = evaluate(caseOf({ creditor: null }), BR_CDC_PACK);
    expect(sut).toMatchObject({ allowed: false, nextPermittedAt: null });
    expect(sut.reasons).toEqual([
      {
        ruleId: 'BR-IDENTIFY-CREDITOR',
        message: expect.stringMatching(/— the creditor's name and CNPJ\/CPF are not configured$/),
      },
    ]);
  });

  it('wants a CNPJ or CPF in Brazil and an RFC in Mexico', () => {
    expect(evaluate(caseOf({ creditor: CNPJ_ONLY }), BR_CDC_PACK).allowed).toBe(true);
    expect(evaluate(caseOf({ creditor: COMPLETE('EIN') }), BR_CDC_PACK).allowed).toBe(false);
    const mx = caseOf({ timezone: 'America/Mexico_City', channel: 'call' });
    expect(evaluate({ ...mx, creditor: COMPLETE('RFC') }, MX_CONDUSEF_PACK).allowed).toBe(true);
    expect(evaluate({ ...mx, creditor: COMPLETE('CNPJ') }, MX_CONDUSEF_PACK).reasons[0].ruleId).toBe(
      'MX-IDENTIFY-FIRM',
    );
  });

  it('wants the address and phone on letters and e-mails only', () => {
    const letter = evaluate(caseOf({ channel: 'letter', creditor: CNPJ_ONLY }), BR_CDC_PACK);
    expect(letter.reasons.map((r) => r.message)).toEqual([
      expect.stringMatching(/the creditor's postal address and contact phone are not configured \(needed on letter\)$/),
    ]);
    expect(evaluate(caseOf({ channel: 'whatsapp', creditor: CNPJ_ONLY }), BR_CDC_PACK).allowed).toBe(true);
  });

  it('leaves the other jurisdictions as they were', () => {
    for (const pack of Object.values(RULE_PACKS).filter((p) => !['BR', 'MX'].includes(p.jurisdiction)))
      expect(pack.creditorIdentification).toBeUndefined();
    const us = caseOf({ timezone: 'America/New_York', at: new Date('2026-03-10T16:00:00Z'), creditor: null });
    expect(evaluate(us, RULE_PACKS.US).allowed).toBe(true);
  });
});
