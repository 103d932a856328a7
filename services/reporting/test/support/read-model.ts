import { Metadata } from '@grpc/grpc-js';
import { reporting } from '@collections/contracts';
import { BatchControl, EventConsumer } from '@collections/messaging';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { REPORTING_CONSUMER, reportingService } from '../../src/reporting.service';
import { SeedEvent, toRecord } from './portfolio-events';

const control: BatchControl = { heartbeat: async () => undefined, isActive: () => true };

/** One read model under test: the real service on its own database, fed through its inbox consumer. */
export class ReadModel {
  private consumer!: EventConsumer;
  client!: ReturnType<typeof grpcClient<typeof reporting.ReportingServiceService>>;
  private offset = 0;
  sut!: ServiceUnderTest;

  async start(): Promise<this> {
    this.sut = await startServiceUnderTest(reportingService);
    this.consumer = this.sut.context.backbone.consume(REPORTING_CONSUMER);
    this.client = grpcClient(reporting.ReportingServiceService, this.sut.app.grpcAddress);
    return this;
  }

  /**
   * Delivers events as one batch, as the transport would; `id` overrides the event id (a republish),
   * `tenantId` the tenant they are told for (default: the tenant under test).
   */
  async deliver(events: SeedEvent[], id?: (e: SeedEvent) => string, tenantId = this.sut.tenant): Promise<void> {
    const records = events.map((e) => toRecord(e, tenantId, this.offset++, id?.(e)));
    await this.consumer.handleBatch(records, control);
  }

  md(apiKey = this.sut.apiKey): Metadata {
    return metadataFromPrincipalHeaders({ apiKey });
  }

  kpis(request: Partial<reporting.GetKpisRequest>, apiKey?: string): Promise<reporting.GetKpisResponse> {
    return this.client.getKpis(reporting.GetKpisRequest.fromPartial(request), this.md(apiKey));
  }

  async close(): Promise<void> {
    this.client.close();
    await this.sut.close();
  }
}
