import { ErrorCode, HttpErrorFilter, isAppError } from './errors';
import { LEGAL_CONFIGURATION_ROLES, ROLES, TENANT_CONFIGURATION_ROLES, hasRole, requireRole } from './access';
import { Principal } from './tenant-context';
import { createLogger } from './logger';

const user = (...roles: string[]): Principal => ({ tenantId: 't1', subject: 'u1', kind: 'user', roles });
const apiKey: Principal = { tenantId: 't1', subject: 'api-key:t1', kind: 'api-key', roles: ['service'] };

function refusal(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    if (isAppError(err)) return err;
    throw err;
  }
  throw new Error('not refused');
}

describe('requireRole', () => {
  it('lets a user holding one of the roles through, and answers the principal', () => {
    const admin = user('agent', 'admin');
    expect(requireRole(admin, TENANT_CONFIGURATION_ROLES, 'changing strategies')).toBe(admin);
    expect(requireRole(user('compliance'), LEGAL_CONFIGURATION_ROLES, 'changing creditor profiles').subject).toBe('u1');
    expect(requireRole(user('admin'), LEGAL_CONFIGURATION_ROLES, 'changing creditor profiles').subject).toBe('u1');
  });

  it("lets the tenant's API key through whatever the roles (the tenant's trusted integration)", () => {
    expect(requireRole(apiKey, [ROLES.admin], 'changing strategies')).toBe(apiKey);
    expect(requireRole(apiKey, [ROLES.scoringAdmin], 'training a model')).toBe(apiKey);
  });

  it('refuses a user without the role: PERMISSION_DENIED naming the action and every role that would do', () => {
    const one = refusal(() => requireRole(user('agent'), TENANT_CONFIGURATION_ROLES, 'changing collection strategies'));
    expect(one).toMatchObject({
      code: ErrorCode.PermissionDenied,
      message: 'changing collection strategies needs the admin role',
      details: { requiredRoles: ['admin'] },
    });
    const two = refusal(() => requireRole(user('agent', 'supervisor'), LEGAL_CONFIGURATION_ROLES, 'changing profiles'));
    expect(two.message).toBe('changing profiles needs the compliance or admin role');
    const three = refusal(() => requireRole(user(), ['a', 'b', 'c'], 'x'));
    expect(three.message).toBe('x needs the a, b or c role');
  });

  it('is answered as HTTP 403 with the roles needed', () => {
    const filter = new HttpErrorFilter(createLogger({ service: 'test', level: 'silent' }));
    const denied = refusal(() => requireRole(user('agent'), [ROLES.admin], 'changing the aging buckets'));
    expect(filter.toHttpResponse(denied)).toEqual({
      status: 403,
      body: {
        code: 'PERMISSION_DENIED',
        message: 'changing the aging buckets needs the admin role',
        details: { requiredRoles: ['admin'] },
      },
    });
  });

  it('matches roles exactly: no prefix, no case folding, and a role of a service key claim grants nothing to a user', () => {
    expect(hasRole(user('Admin'), [ROLES.admin])).toBe(false);
    expect(hasRole(user('admin-readonly'), [ROLES.admin])).toBe(false);
    expect(hasRole(user('service'), [ROLES.admin])).toBe(false);
    expect(hasRole(user(), [ROLES.admin])).toBe(false);
  });

  it('fails closed on a check that names no role', () => {
    expect(refusal(() => requireRole(apiKey, [], 'changing strategies')).code).toBe(ErrorCode.Internal);
  });

  it('keeps the role names tokens carry', () => {
    expect(ROLES).toEqual({
      admin: 'admin',
      compliance: 'compliance',
      supervisor: 'supervisor',
      agent: 'agent',
      scoringAdmin: 'scoring-admin',
      platformAdmin: 'platform-admin',
    });
    expect(TENANT_CONFIGURATION_ROLES).toEqual(['admin']);
    expect(LEGAL_CONFIGURATION_ROLES).toEqual(['compliance', 'admin']);
  });
});
