import { ErrorCode } from './errors';
import { API_KEY_HEADER } from './auth';
import { TenantApiKeys } from './tenant-api-keys';

describe(TenantApiKeys.name, () => {
  const keys = new TenantApiKeys(' acme:key-1, globex:k:with:colons ,,', 'ledger');

  it("calls as each tenant with that tenant's key (a key may hold colons; blanks and spaces are ignored)", () => {
    expect(keys.metadata('acme').get(API_KEY_HEADER)).toEqual(['key-1']);
    expect(keys.metadata('globex').get(API_KEY_HEADER)).toEqual(['k:with:colons']);
    expect([keys.has('acme'), keys.has('initech')]).toEqual([true, false]);
  });

  it('refuses a tenant it has no key for, naming the service, before any call', () => {
    expect(() => keys.metadata('initech')).toThrow(
      expect.objectContaining({
        code: ErrorCode.FailedPrecondition,
        message: 'no ledger credentials for tenant initech',
      }),
    );
  });
});
