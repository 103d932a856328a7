import { AsyncLocalStorage } from 'node:async_hooks';
import { AppError } from './errors';

/** Who is calling and on behalf of which tenant; every data access is scoped by tenantId. */
export interface Principal {
  readonly tenantId: string;
  readonly subject: string;
  readonly kind: 'api-key' | 'user';
  readonly roles: readonly string[];
}

const principalStorage = new AsyncLocalStorage<Principal>();

/** Runs `fn` (and everything it awaits) as `principal`. */
export function runWithPrincipal<T>(principal: Principal, fn: () => T): T {
  // A principal already frozen all the way down (the authenticator's cached ones) needs no copy.
  const frozen =
    Object.isFrozen(principal) && Object.isFrozen(principal.roles)
      ? principal
      : Object.freeze({ ...principal, roles: Object.freeze([...principal.roles]) });
  return principalStorage.run(frozen, fn);
}

/** The principal for the current request, or undefined outside one (startup, public routes). */
export function findCurrentPrincipal(): Principal | undefined {
  return principalStorage.getStore();
}

/** The principal for the current request; throws Unauthenticated when there is none. */
export function currentPrincipal(): Principal {
  const principal = principalStorage.getStore();
  if (!principal) throw AppError.unauthenticated('no authenticated principal in this context');
  return principal;
}

export function currentTenantId(): string {
  return currentPrincipal().tenantId;
}
