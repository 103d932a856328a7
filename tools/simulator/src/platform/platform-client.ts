import { Metadata } from '@grpc/grpc-js';
import { ServiceName, ledger, promises, reconciliation, reporting, simulation } from '@collections/contracts';
import { PromiseClient, grpcClient } from '@collections/platform';
import { CoordinatedSimulation, SimulationApi } from './coordinated-simulation';

export interface ServiceAddress {
  /** REST base, e.g. http://127.0.0.1:3001 */
  http: string;
  /** gRPC host:port */
  grpc: string;
}

export interface PlatformAddress {
  /** REST base, e.g. http://127.0.0.1:3000 (distributed: the ledger's) */
  http: string;
  /** gRPC host:port serving every service (embedded; distributed: the ledger's) */
  grpc: string;
  apiKey: string;
  /**
   * Distributed mode: each service's own addresses. Every call then goes to the service that
   * owns it (REST by its `/v1/<service>/` path), and the simulation API is coordinated across
   * the five processes (`CoordinatedSimulation`).
   */
  services?: Record<ServiceName, ServiceAddress>;
}

/**
 * The platform as an integrator sees it: the services' public gRPC APIs (one address in
 * embedded mode), REST for files, and the simulation API. Nothing here touches a database.
 */
export class PlatformClient {
  readonly ledger: PromiseClient<typeof ledger.LedgerServiceService>;
  readonly reconciliation: PromiseClient<typeof reconciliation.ReconciliationServiceService>;
  readonly promises: PromiseClient<typeof promises.PromisesServiceService>;
  readonly reporting: PromiseClient<typeof reporting.ReportingServiceService>;
  readonly simulation: SimulationApi;
  private readonly metadata: Metadata;

  constructor(readonly address: PlatformAddress) {
    const options = { deadlineMs: 120_000 };
    const grpcOf = (service: ServiceName) => address.services?.[service].grpc ?? address.grpc;
    this.ledger = grpcClient(ledger.LedgerServiceService, grpcOf('ledger'), options);
    this.reconciliation = grpcClient(reconciliation.ReconciliationServiceService, grpcOf('ledger'), options);
    this.promises = grpcClient(promises.PromisesServiceService, grpcOf('promises'), options);
    this.reporting = grpcClient(reporting.ReportingServiceService, grpcOf('reporting'), options);
    this.simulation = address.services
      ? new CoordinatedSimulation(address.services)
      : grpcClient(simulation.SimulationServiceService, address.grpc, { deadlineMs: 600_000 });
    this.metadata = new Metadata();
    this.metadata.set('x-api-key', address.apiKey);
  }

  /** gRPC metadata carrying the tenant's API key. */
  get auth(): Metadata {
    return this.metadata.clone();
  }

  /** A REST call with the API key; JSON in and out. */
  async rest<T>(method: string, path: string, body?: string, contentType = 'application/json'): Promise<T> {
    const owner = /^\/v1\/([a-z]+)\//.exec(path)?.[1] as ServiceName | undefined;
    const base = (owner && this.address.services?.[owner]?.http) ?? this.address.http;
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { 'x-api-key': this.address.apiKey, ...(body === undefined ? {} : { 'content-type': contentType }) },
      body,
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return (text ? JSON.parse(text) : undefined) as T;
  }

  /**
   * Waits until every event published so far has been consumed, and those it caused too; gives
   * up after `withinMs` naming what is still pending (a consumer stuck retrying, say).
   */
  async drained(withinMs = 300_000): Promise<void> {
    const deadline = Date.now() + withinMs;
    for (let attempt = 0; ; attempt++) {
      const backlog = await this.simulation.getBacklog({}, this.auth);
      if (backlog.drained) return;
      if (Date.now() > deadline) {
        const pending = backlog.services
          .filter((s) => s.outbox > 0 || s.consumerLag > 0)
          .map((s) => `${s.service}: outbox ${s.outbox}, consumer lag ${s.consumerLag}`);
        throw new Error(
          `the platform did not catch up within ${withinMs} ms (${pending.join('; ') || 'still moving'})`,
        );
      }
      // Polls the platform's own answer, a little less often the longer it takes (at most every 50 ms).
      await new Promise((r) => setTimeout(r, Math.min(50, 5 + attempt * 5)));
    }
  }

  close(): void {
    for (const c of [this.ledger, this.reconciliation, this.promises, this.reporting, this.simulation]) c.close();
  }
}
