import { ErrorCode } from './errors';
import { Principal, currentPrincipal, currentTenantId, findCurrentPrincipal, runWithPrincipal } from './tenant-context';

const alice: Principal = { tenantId: 'tenant-a', subject: 'alice', kind: 'user', roles: ['agent'] };

describe(runWithPrincipal.name, () => {
  it('makes the principal visible across awaits inside the callback', async () => {
    const tenant = await runWithPrincipal(alice, async () => {
      await Promise.resolve();
      return currentTenantId();
    });

    expect(tenant).toBe('tenant-a');
  });

  it('keeps concurrent requests apart', async () => {
    const bob: Principal = { ...alice, tenantId: 'tenant-b', subject: 'bob' };
    let releaseAlice!: () => void;
    const aliceWaits = new Promise<void>((resolve) => (releaseAlice = resolve));

    const aliceSeen = runWithPrincipal(alice, async () => {
      await aliceWaits;
      return currentTenantId();
    });
    const bobSeen = runWithPrincipal(bob, async () => currentTenantId());
    releaseAlice();

    expect(await Promise.all([aliceSeen, bobSeen])).toEqual(['tenant-a', 'tenant-b']);
  });

  it('refuses to answer outside an authenticated context', () => {
    expect(findCurrentPrincipal()).toBeUndefined();
    expect(() => currentPrincipal()).toThrow(expect.objectContaining({ code: ErrorCode.Unauthenticated }));
  });
});
