import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Metadata } from '@grpc/grpc-js';
import { lastValueFrom, of, defer } from 'rxjs';
import { Authenticator, GrpcAuthGuard, HttpAuthGuard, PrincipalContextInterceptor, Public, signJwt } from './auth';
import { ManualClock } from './clock';
import { AppError, ErrorCode } from './errors';
import { currentTenantId } from './tenant-context';

const secret = 'test-secret-with-enough-entropy-0123456789';
const now = new Date('2026-03-01T12:00:00Z');
const nowSeconds = now.getTime() / 1000;

function newAuthenticator(): Authenticator {
  return new Authenticator({
    apiKeys: 'tenant-a:key-a1, tenant-a:key-a2,tenant-b:key-b',
    jwtSecret: secret,
    clock: new ManualClock(now),
  });
}

function unauthenticatedBy(fn: () => unknown): boolean {
  try {
    fn();
  } catch (error) {
    return error instanceof AppError && error.code === ErrorCode.Unauthenticated;
  }
  return false;
}

describe(Authenticator.name, () => {
  it('recognises a service by its API key', () => {
    const sut = newAuthenticator();

    expect(sut.authenticate({ apiKey: 'key-b' })).toEqual({
      tenantId: 'tenant-b',
      subject: 'api-key:tenant-b',
      kind: 'api-key',
      roles: ['service'],
    });
    expect(sut.authenticate({ apiKey: 'key-a2' }).tenantId).toBe('tenant-a');
  });

  it('answers a key it verified before with the same frozen principal, and still refuses a wrong key after many good ones', () => {
    const sut = newAuthenticator();
    const first = sut.authenticate({ apiKey: 'key-a1' });
    const again = sut.authenticate({ apiKey: 'key-a1' });

    expect(again).toBe(first);
    expect(Object.isFrozen(first) && Object.isFrozen(first.roles)).toBe(true);
    expect(sut.authenticate({ apiKey: 'key-b' }).tenantId).toBe('tenant-b');
    for (let i = 0; i < 1_500; i++)
      expect(sut.authenticate({ apiKey: i % 2 ? 'key-a2' : 'key-b' }).tenantId).toBeTruthy();
    expect(unauthenticatedBy(() => sut.authenticate({ apiKey: 'key-a1x' }))).toBe(true);
    expect(unauthenticatedBy(() => sut.authenticate({ apiKey: 'key-a1x' }))).toBe(true);
    expect(sut.authenticate({ apiKey: 'key-a1' }).tenantId).toBe('tenant-a');
  });

  it('does not let a refused key into the cache: guessing many keys leaves every real key working and every guess refused', () => {
    const sut = newAuthenticator();
    sut.authenticate({ apiKey: 'key-b' });
    for (let i = 0; i < 2_000; i++)
      expect(unauthenticatedBy(() => sut.authenticate({ apiKey: `guess-${i}` }))).toBe(true);
    expect(unauthenticatedBy(() => sut.authenticate({ apiKey: 'guess-7' }))).toBe(true);
    expect(sut.authenticate({ apiKey: 'key-b' }).tenantId).toBe('tenant-b');
    expect(sut.authenticate({ apiKey: 'key-a2' }).tenantId).toBe('tenant-a');
  });

  it('recognises a user by a valid bearer token', () => {
    const sut = newAuthenticator();
    const token = signJwt({ sub: 'user-7', tenant: 'tenant-a', roles: ['supervisor'], exp: nowSeconds + 60 }, secret);

    expect(sut.authenticate({ authorization: `Bearer ${token}` })).toEqual({
      tenantId: 'tenant-a',
      subject: 'user-7',
      kind: 'user',
      roles: ['supervisor'],
    });
  });

  it('rejects a wrong API key', () => {
    expect(unauthenticatedBy(() => newAuthenticator().authenticate({ apiKey: 'key-c' }))).toBe(true);
  });

  it('rejects a request without credentials', () => {
    expect(unauthenticatedBy(() => newAuthenticator().authenticate({}))).toBe(true);
  });

  it('rejects an expired token', () => {
    const token = signJwt({ sub: 'u', tenant: 'tenant-a', exp: nowSeconds - 1 }, secret);

    expect(unauthenticatedBy(() => newAuthenticator().authenticate({ authorization: `Bearer ${token}` }))).toBe(true);
  });

  it('rejects a token that is not valid yet', () => {
    const token = signJwt({ sub: 'u', tenant: 'tenant-a', nbf: nowSeconds + 60 }, secret);

    expect(unauthenticatedBy(() => newAuthenticator().authenticate({ authorization: `Bearer ${token}` }))).toBe(true);
  });

  it('rejects a token whose claims were tampered with', () => {
    const token = signJwt({ sub: 'u', tenant: 'tenant-a' }, secret);
    const [header, , signature] = token.split('.');
    const forgedClaims = Buffer.from(JSON.stringify({ sub: 'u', tenant: 'tenant-b' })).toString('base64url');

    expect(
      unauthenticatedBy(() =>
        newAuthenticator().authenticate({ authorization: `Bearer ${header}.${forgedClaims}.${signature}` }),
      ),
    ).toBe(true);
  });

  it('rejects a token signed with another secret', () => {
    const token = signJwt({ sub: 'u', tenant: 'tenant-a' }, 'some-other-secret');

    expect(unauthenticatedBy(() => newAuthenticator().authenticate({ authorization: `Bearer ${token}` }))).toBe(true);
  });

  it('rejects an unsigned "alg: none" token', () => {
    const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
    const claims = Buffer.from(JSON.stringify({ sub: 'u', tenant: 'tenant-a' })).toString('base64url');

    expect(
      unauthenticatedBy(() => newAuthenticator().authenticate({ authorization: `Bearer ${header}.${claims}.` })),
    ).toBe(true);
  });

  it('rejects a token without a tenant', () => {
    const token = signJwt({ sub: 'u' }, secret);

    expect(unauthenticatedBy(() => newAuthenticator().authenticate({ authorization: `Bearer ${token}` }))).toBe(true);
  });

  it('rejects bearer tokens when no JWT secret is configured', () => {
    const sut = new Authenticator({ apiKeys: 'tenant-a:key-a1' });
    const token = signJwt({ sub: 'u', tenant: 'tenant-a' }, secret);

    expect(unauthenticatedBy(() => sut.authenticate({ authorization: `Bearer ${token}` }))).toBe(true);
  });

  it('refuses an API key list that gives one key to two tenants', () => {
    expect(() => new Authenticator({ apiKeys: 'tenant-a:shared,tenant-b:shared' })).toThrow(
      expect.objectContaining({ code: ErrorCode.InvalidArgument }),
    );
  });

  it('refuses a malformed API key list at startup without echoing it', () => {
    expect(() => new Authenticator({ apiKeys: 'tenant-a:key-a1,secret-without-tenant' })).toThrow(
      expect.objectContaining({ message: expect.not.stringContaining('secret-without-tenant') }),
    );
  });
});

class PublicController {
  @Public()
  health(): string {
    return 'ok';
  }
  ledger(): string {
    return 'ledger';
  }
}

function httpContext(
  headers: Record<string, string>,
  handler: keyof PublicController,
): {
  context: ExecutionContext;
  request: { headers: Record<string, string> };
} {
  const request = { headers };
  const context = {
    getType: () => 'http',
    getHandler: () => PublicController.prototype[handler],
    getClass: () => PublicController,
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
  return { context, request };
}

function rpcContext(metadata: Metadata): ExecutionContext {
  return {
    getType: () => 'rpc',
    getHandler: () => PublicController.prototype.ledger,
    getClass: () => PublicController,
    switchToRpc: () => ({ getContext: () => metadata }),
  } as unknown as ExecutionContext;
}

describe(HttpAuthGuard.name, () => {
  it('lets @Public() routes through without credentials', () => {
    const sut = new HttpAuthGuard(newAuthenticator(), new Reflector());

    expect(sut.canActivate(httpContext({}, 'health').context)).toBe(true);
  });

  it('rejects other routes without credentials', () => {
    const sut = new HttpAuthGuard(newAuthenticator(), new Reflector());

    expect(unauthenticatedBy(() => sut.canActivate(httpContext({}, 'ledger').context))).toBe(true);
  });

  it('runs the handler as the authenticated tenant', async () => {
    const sut = new HttpAuthGuard(newAuthenticator(), new Reflector());
    const { context } = httpContext({ 'x-api-key': 'key-b' }, 'ledger');

    sut.canActivate(context);
    const tenantSeenByHandler = await lastValueFrom(
      new PrincipalContextInterceptor().intercept(context, { handle: () => defer(async () => currentTenantId()) }),
    );

    expect(tenantSeenByHandler).toBe('tenant-b');
  });
});

describe(GrpcAuthGuard.name, () => {
  it('authenticates from call metadata and exposes the tenant to the handler', async () => {
    const sut = new GrpcAuthGuard(newAuthenticator(), new Reflector());
    const metadata = new Metadata();
    metadata.set('authorization', `Bearer ${signJwt({ sub: 'u', tenant: 'tenant-a' }, secret)}`);
    const context = rpcContext(metadata);

    expect(sut.canActivate(context)).toBe(true);
    const tenantSeenByHandler = await lastValueFrom(
      new PrincipalContextInterceptor().intercept(context, { handle: () => defer(() => of(currentTenantId())) }),
    );

    expect(tenantSeenByHandler).toBe('tenant-a');
  });

  it('rejects a call without credentials', () => {
    const sut = new GrpcAuthGuard(newAuthenticator(), new Reflector());

    expect(unauthenticatedBy(() => sut.canActivate(rpcContext(new Metadata())))).toBe(true);
  });
});
