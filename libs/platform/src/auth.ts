import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { Metadata } from '@grpc/grpc-js';
import {
  CallHandler,
  CanActivate,
  ExecutionContext,
  Inject,
  Injectable,
  NestInterceptor,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Observable } from 'rxjs';
import { Clock, SystemClock } from './clock';
import { AppError } from './errors';
import { Principal, runWithPrincipal } from './tenant-context';

/** Nest injection token for the Authenticator. */
export const AUTHENTICATOR = Symbol('AUTHENTICATOR');

export const API_KEY_HEADER = 'x-api-key';
export const AUTHORIZATION_HEADER = 'authorization';

export interface CredentialHeaders {
  apiKey?: string;
  authorization?: string;
}

export interface AuthenticatorOptions {
  /** "tenantA:key1,tenantB:key2"; a tenant may appear more than once to rotate keys. */
  apiKeys: string;
  /** HS256 secret for user bearer tokens; without it bearer tokens are rejected. */
  jwtSecret?: string;
  clock?: Clock;
  /** Accepted skew between our clock and the issuer's for exp/nbf. */
  clockToleranceSeconds?: number;
}

export interface JwtClaims {
  sub?: string;
  tenant?: string;
  roles?: string[];
  /** Seconds since the epoch. */
  exp?: number;
  nbf?: number;
  iat?: number;
  [claim: string]: unknown;
}

interface ApiKeyEntry {
  tenantId: string;
  keyDigest: Buffer;
}

const sha256 = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

function base64UrlJson(value: unknown): string {
  return Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');
}

function hs256(signingInput: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(signingInput, 'utf8').digest();
}

/** Issues an HS256 JWT; for tests and operator tooling, services only verify. */
export function signJwt(claims: JwtClaims, secret: string): string {
  const signingInput = `${base64UrlJson({ alg: 'HS256', typ: 'JWT' })}.${base64UrlJson(claims)}`;
  return `${signingInput}.${hs256(signingInput, secret).toString('base64url')}`;
}

function parseApiKeys(spec: string): ApiKeyEntry[] {
  const entries = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, index) => {
      const separator = entry.indexOf(':');
      const tenantId = entry.slice(0, separator).trim();
      const key = entry.slice(separator + 1).trim();
      if (separator < 0 || tenantId === '' || key === '') {
        // The entry itself is not echoed: it may be a key with a typo.
        throw AppError.invalid(`apiKeys entry #${index + 1} is not "tenant:key"`);
      }
      return { tenantId, keyDigest: sha256(key) };
    });
  // One key naming two tenants would let the first silently win and leak data across tenants.
  const tenantByDigest = new Map<string, string>();
  for (const entry of entries) {
    const digest = entry.keyDigest.toString('hex');
    const previous = tenantByDigest.get(digest);
    if (previous !== undefined && previous !== entry.tenantId) {
      throw AppError.invalid(`apiKeys assigns the same key to tenants ${previous} and ${entry.tenantId}`);
    }
    tenantByDigest.set(digest, entry.tenantId);
  }
  return entries;
}

function decodeJsonSegment(segment: string): unknown {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Accepted API keys remembered at most (one per configured key in practice). */
const MAX_VERIFIED_KEYS = 1_000;

/** Turns request credentials into a Principal, or throws AppError Unauthenticated. */
export class Authenticator {
  private readonly apiKeys: readonly ApiKeyEntry[];
  private readonly jwtSecret: string | undefined;
  private readonly clock: Clock;
  private readonly toleranceSeconds: number;
  private readonly verifiedKeys = new Map<string, Principal>();

  constructor(options: AuthenticatorOptions) {
    this.apiKeys = parseApiKeys(options.apiKeys);
    this.jwtSecret = options.jwtSecret || undefined;
    this.clock = options.clock ?? new SystemClock();
    this.toleranceSeconds = options.clockToleranceSeconds ?? 0;
  }

  authenticate(headers: CredentialHeaders): Principal {
    if (headers.apiKey) return this.authenticateApiKey(headers.apiKey);
    if (headers.authorization) return this.authenticateBearer(headers.authorization);
    throw AppError.unauthenticated('missing credentials: send x-api-key or Authorization: Bearer');
  }

  private authenticateApiKey(presented: string): Principal {
    // A key verified once maps to the same principal for the life of the process (the key list
    // is fixed at construction); only accepted keys are remembered, so guessing fills nothing.
    const known = this.verifiedKeys.get(presented);
    if (known) return known;
    const principal = this.verifyApiKey(presented);
    if (this.verifiedKeys.size >= MAX_VERIFIED_KEYS) this.verifiedKeys.clear();
    this.verifiedKeys.set(presented, principal);
    return principal;
  }

  private verifyApiKey(presented: string): Principal {
    // Hashing first gives equal-length buffers for timingSafeEqual, and every configured key is
    // compared so the response time does not reveal which tenant (if any) nearly matched.
    const presentedDigest = sha256(presented);
    let matchedTenant: string | undefined;
    for (const entry of this.apiKeys) {
      if (timingSafeEqual(presentedDigest, entry.keyDigest)) matchedTenant = entry.tenantId;
    }
    if (matchedTenant === undefined) throw AppError.unauthenticated('invalid API key');
    return Object.freeze({
      tenantId: matchedTenant,
      subject: `api-key:${matchedTenant}`,
      kind: 'api-key',
      roles: Object.freeze(['service']),
    });
  }

  private authenticateBearer(authorization: string): Principal {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw AppError.unauthenticated('unsupported Authorization scheme: expected Bearer');
    if (!this.jwtSecret) throw AppError.unauthenticated('bearer tokens are not accepted by this service');
    const claims = this.verifyJwt(match[1]);

    const { tenant, sub, roles = [] } = claims;
    if (typeof tenant !== 'string' || tenant === '') throw AppError.unauthenticated('token lacks a tenant claim');
    if (typeof sub !== 'string' || sub === '') throw AppError.unauthenticated('token lacks a sub claim');
    if (!Array.isArray(roles) || !roles.every((role): role is string => typeof role === 'string')) {
      throw AppError.unauthenticated('token roles claim must be an array of strings');
    }
    return { tenantId: tenant, subject: sub, kind: 'user', roles: [...roles] };
  }

  private verifyJwt(token: string): Record<string, unknown> {
    const segments = token.split('.');
    if (segments.length !== 3) throw AppError.unauthenticated('malformed token');
    const [headerSegment, payloadSegment, signatureSegment] = segments;

    const header = decodeJsonSegment(headerSegment);
    // Pinning the algorithm blocks "alg: none" and algorithm-confusion tokens.
    if (!isRecord(header) || header.alg !== 'HS256') throw AppError.unauthenticated('unsupported token algorithm');

    const expected = hs256(`${headerSegment}.${payloadSegment}`, this.jwtSecret ?? '');
    const presented = Buffer.from(signatureSegment, 'base64url');
    if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
      throw AppError.unauthenticated('invalid token signature');
    }

    const claims = decodeJsonSegment(payloadSegment);
    if (!isRecord(claims)) throw AppError.unauthenticated('malformed token claims');

    const nowSeconds = this.clock.now().getTime() / 1000;
    if (
      claims.exp !== undefined &&
      (typeof claims.exp !== 'number' || nowSeconds >= claims.exp + this.toleranceSeconds)
    ) {
      throw AppError.unauthenticated('token expired');
    }
    if (
      claims.nbf !== undefined &&
      (typeof claims.nbf !== 'number' || nowSeconds < claims.nbf - this.toleranceSeconds)
    ) {
      throw AppError.unauthenticated('token not yet valid');
    }
    return claims;
  }
}

/** Metadata key for @Public(). */
export const IS_PUBLIC_KEY = 'platform:is-public';

/** Marks a controller or route as reachable without credentials (health, metrics). */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC_KEY, true);

/**
 * The principal each authenticated request carries, keyed by the request object (HTTP) or
 * the call Metadata (gRPC), for PrincipalContextInterceptor to pick up.
 */
const principalsByCarrier = new WeakMap<object, Principal>();

export function principalOfCarrier(carrier: object): Principal | undefined {
  return principalsByCarrier.get(carrier);
}

function isPublicRoute(reflector: Reflector, context: ExecutionContext): boolean {
  return (
    reflector.getAllAndOverride<boolean | undefined>(IS_PUBLIC_KEY, [context.getHandler(), context.getClass()]) === true
  );
}

function firstHeaderValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

interface HttpRequestLike {
  headers: Record<string, string | string[] | undefined>;
  principal?: Principal;
}

function firstMetadataString(metadata: Metadata, key: string): string | undefined {
  const [value] = metadata.get(key);
  return typeof value === 'string' ? value : undefined;
}

/**
 * Shared by both guards, so a hybrid app (HTTP + gRPC with inheritAppConfig) is guarded
 * whichever one it registers. Other context types fail closed.
 */
function guardContext(authenticator: Authenticator, reflector: Reflector, context: ExecutionContext): boolean {
  if (isPublicRoute(reflector, context)) return true;
  const type = context.getType();
  if (type === 'http') {
    const request = context.switchToHttp().getRequest<HttpRequestLike>();
    const principal = authenticator.authenticate({
      apiKey: firstHeaderValue(request.headers[API_KEY_HEADER]),
      authorization: firstHeaderValue(request.headers[AUTHORIZATION_HEADER]),
    });
    request.principal = principal;
    principalsByCarrier.set(request, principal);
    return true;
  }
  if (type === 'rpc') {
    const metadata = context.switchToRpc().getContext<Metadata>();
    const principal = authenticator.authenticate({
      apiKey: firstMetadataString(metadata, API_KEY_HEADER),
      authorization: firstMetadataString(metadata, AUTHORIZATION_HEADER),
    });
    principalsByCarrier.set(metadata, principal);
    return true;
  }
  throw AppError.internal(`no credential source for a ${type} context`);
}

/** Authenticates HTTP requests from the x-api-key / Authorization headers. */
@Injectable()
export class HttpAuthGuard implements CanActivate {
  constructor(
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    return guardContext(this.authenticator, this.reflector, context);
  }
}

/** Authenticates gRPC calls from the x-api-key / authorization call metadata. */
@Injectable()
export class GrpcAuthGuard implements CanActivate {
  constructor(
    @Inject(AUTHENTICATOR) private readonly authenticator: Authenticator,
    private readonly reflector: Reflector,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    return guardContext(this.authenticator, this.reflector, context);
  }
}

/**
 * Runs the handler inside runWithPrincipal so currentPrincipal()/currentTenantId() work in
 * everything it calls. Guards run before interceptors, so the guard has already attached it.
 */
@Injectable()
export class PrincipalContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const carrier: unknown =
      context.getType() === 'rpc' ? context.switchToRpc().getContext() : context.switchToHttp().getRequest();
    const principal = carrier !== null && typeof carrier === 'object' ? principalOfCarrier(carrier) : undefined;
    if (!principal) return next.handle();
    // Both handle() and subscribe() run inside the store: Nest binds the handler's async
    // context when handle() is called, and the handler itself starts on subscribe.
    return new Observable((subscriber) => runWithPrincipal(principal, () => next.handle().subscribe(subscriber)));
  }
}
