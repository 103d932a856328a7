import { runWithPrincipal } from '@collections/platform';

/**
 * `work` as the tenant's API key, as the service's own callers are (the orchestrator, the
 * importers' operator): for tests that call a use case that begins with an access check directly.
 */
export const asTenantKey = <T>(tenantId: string, work: () => Promise<T>): Promise<T> =>
  runWithPrincipal({ tenantId, subject: `api-key:${tenantId}`, kind: 'api-key', roles: ['service'] }, work);
