import { ledger } from '@collections/contracts';
import { addressesFrom } from '../../src/dispatch/contact-directory';

const point = (type: string, value: string, verified: boolean, workplaceForbidden?: boolean): ledger.ContactPoint => ({
  type,
  value,
  verified,
  consentedChannels: [],
  ...(workplaceForbidden === undefined ? {} : { workplaceForbidden }),
});
const debtor = (contactPoints: ledger.ContactPoint[]) =>
  ledger.Debtor.fromPartial({ debtorId: 'd-1', displayName: 'Dana Night', contactPoints });

describe(addressesFrom.name, () => {
  const sut = addressesFrom;

  it('reaches the debtor at another number than a workplace whose employer forbids contact, verified or not', () => {
    const addresses = sut(debtor([point('phone', '+13125550101', true, true), point('phone', '+13125550102', false)]));
    expect(addresses).toMatchObject({ phone: '+13125550102', workplaceForbidden: [] });
  });

  it('keeps the forbidden workplace when the debtor has no other address of the kind, and says so', () => {
    const addresses = sut(
      debtor([point('phone', '+13125550101', true, true), point('email', 'dana@home.example.com', true)]),
    );
    expect(addresses).toMatchObject({
      phone: '+13125550101',
      email: 'dana@home.example.com',
      workplaceForbidden: ['phone'],
    });
  });

  it('picks as before (the first verified) where no contact point is flagged', () => {
    const addresses = sut(debtor([point('phone', '+13125550101', false), point('phone', '+13125550102', true)]));
    expect(addresses).toMatchObject({ phone: '+13125550102', workplaceForbidden: [] });
  });
});
