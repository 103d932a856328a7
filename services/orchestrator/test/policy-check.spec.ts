import { ledger, orchestrator } from '@collections/contracts';
import { DebtorFacts, checkContact } from '../src/decisions/domain/policy-check';

const sms = { channel: orchestrator.Channel.CHANNEL_SMS, allowed: true, reasons: ['strategy: send an offer by SMS'] };
const bogota: DebtorFacts = {
  timeZone: 'America/Bogota',
  country: 'CO',
  region: '',
  // Colombia contacts only on channels the debtor authorised: this debtor authorised SMS.
  consentedChannels: ['sms'],
  activeHolds: [],
};

describe(checkContact.name, () => {
  it('lets the strategy contact a Colombian debtor on a weekday afternoon', () => {
    // Tuesday 2026-03-03 15:00 in Bogotá
    expect(checkContact(sms, bogota, [], new Date('2026-03-03T20:00:00Z'), 'acct-1')).toMatchObject({
      allowed: true,
      reasons: sms.reasons,
    });
  });

  it('refuses a Sunday in Colombia and names the next permitted instant', () => {
    const sut = checkContact(sms, bogota, [], new Date('2026-03-08T15:00:00Z'), 'acct-1');
    expect(sut.allowed).toBe(false);
    expect(sut.reasons.join(' ')).toMatch(/^CO-/);
    expect(sut.nextPermittedAt?.toISOString()).toBe('2026-03-09T12:00:00.000Z'); // Monday 07:00 Bogotá
  });

  it('sends nothing while a dispute hold is active, or without the debtor facts, or outside the packs', () => {
    const disputed = { ...bogota, activeHolds: [ledger.HoldKind.HOLD_KIND_DISPUTE] };
    const weekday = new Date('2026-03-03T20:00:00Z');
    expect(checkContact(sms, disputed, [], weekday, 'acct-1')).toMatchObject({ allowed: false, nextPermittedAt: null });
    expect(checkContact(sms, undefined, [], weekday, 'acct-1').reasons[0]).toMatch(/^no-debtor-facts/);
    expect(checkContact(sms, { ...bogota, country: 'JP' }, [], weekday, 'acct-1').reasons[0]).toMatch(/^no-rule-pack/);
  });

  it('respects consent: only the channels the debtor authorised', () => {
    const onlyEmail = { ...bogota, consentedChannels: ['email'] };
    expect(checkContact(sms, onlyEmail, [], new Date('2026-03-03T20:00:00Z'), 'acct-1').allowed).toBe(false);
  });

  it('contacts a Colombian debtor with no consent on record on no channel, saying why', () => {
    const noneOnRecord = { ...bogota, consentedChannels: [] };
    const sut = checkContact(sms, noneOnRecord, [], new Date('2026-03-03T20:00:00Z'), 'acct-1');
    expect(sut).toMatchObject({ allowed: false, nextPermittedAt: null });
    expect(sut.reasons).toEqual([
      expect.stringMatching(/^CO-AUTHORISED-CHANNELS: .*no channel authorised by the debtor on record$/),
    ]);
  });

  it('contacts a US debtor with no consent on record as before: Regulation F asks for none', () => {
    const newYork = { ...bogota, timeZone: 'America/New_York', country: 'US', consentedChannels: [] };
    expect(checkContact(sms, newYork, [], new Date('2026-03-03T20:00:00Z'), 'acct-1').allowed).toBe(true);
  });

  it('stops a Chilean debtor served in a collection suit (a litigation hold), under the law', () => {
    const sued = {
      ...bogota,
      timeZone: 'America/Santiago',
      country: 'CL',
      activeHolds: [ledger.HoldKind.HOLD_KIND_LITIGATION],
    };
    const sut = checkContact(sms, sued, [], new Date('2026-03-03T15:00:00Z'), 'acct-1');
    expect(sut).toMatchObject({ allowed: false, nextPermittedAt: null });
    expect(sut.reasons[0]).toMatch(/^CL-HOLD-LITIGATION: .*served in a collection suit/);
  });
});
