import { Metadata } from '@grpc/grpc-js';
import { metadataFromPrincipalHeaders } from './grpc';
import { AppError } from './errors';

/** "tenant:apiKey,...": the key each tenant's calls to another service carry, so that service applies its own tenant isolation. */
export class TenantApiKeys {
  private readonly keys: Map<string, string>;

  constructor(
    spec: string,
    private readonly service: string,
  ) {
    this.keys = new Map(
      spec
        .split(',')
        .map((pair) => pair.trim())
        .filter(Boolean)
        .map((pair) => [pair.slice(0, pair.indexOf(':')), pair.slice(pair.indexOf(':') + 1)]),
    );
  }

  has(tenantId: string): boolean {
    return this.keys.has(tenantId);
  }

  /** Call metadata as the tenant; FAILED_PRECONDITION when no key is configured for it. */
  metadata(tenantId: string): Metadata {
    const apiKey = this.keys.get(tenantId);
    if (!apiKey) throw AppError.failedPrecondition(`no ${this.service} credentials for tenant ${tenantId}`);
    return metadataFromPrincipalHeaders({ apiKey });
  }
}
