import { BatchControl } from '@collections/messaging';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { REPORTING_TOPICS, reportingHandlers, reportingService } from '../src/reporting.service';
import { portfolioEvents, toRecord } from './support/portfolio-events';

const control: BatchControl = { heartbeat: async () => undefined, isActive: () => true };

/** A gauge's samples of the test's tenant as `labels… = value`, sorted (tenant label left out). */
async function samples(sut: ServiceUnderTest, name: string): Promise<string[]> {
  const metric = sut.context.metrics.registry.getSingleMetric(name);
  if (!metric) throw new Error(`${name} is not registered`);
  return (await metric.get()).values
    .filter((v) => v.labels.tenant_id === sut.tenant)
    .map((v) => {
      const labels = Object.entries(v.labels)
        .filter(([k]) => k !== 'tenant_id')
        .map(([k, l]) => `${k}=${String(l)}`)
        .join(' ');
      return `${labels} = ${v.value}`;
    })
    .sort();
}

describe('reporting business gauges on the portfolio computed by hand (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;

  beforeAll(async () => {
    sut = await startServiceUnderTest(reportingService);
    const consumer = sut.context.backbone.consume({ topics: REPORTING_TOPICS, handlers: reportingHandlers });
    await consumer.handleBatch(
      portfolioEvents().map((e, offset) => toRecord(e, sut.tenant, offset)),
      control,
    );
  });

  afterAll(async () => {
    await sut?.close();
  });

  it('gives placed and collected amounts per arm, whose ratio is the recovery rate', async () => {
    // A (now m2) placed 1,000.00 and paid 200.00 + 300.00; B (m1) placed 3,000.00 and paid 600.00
    // net of the reversed 100.00; C (m1) placed 1,000.00 and paid nothing.
    expect(await samples(sut, 'reporting_placed_minor')).toEqual([
      'currency=USD model_version=m1 = 400000',
      'currency=USD model_version=m2 = 100000',
    ]);
    expect(await samples(sut, 'reporting_collected_minor')).toEqual([
      'currency=USD model_version=m1 = 60000',
      'currency=USD model_version=m2 = 50000',
    ]);
  });

  it('puts each account in its latest aging bucket with its latest balance', async () => {
    // A cured on 03-16 (owing 500.00), B in 31-60 since 02-25 (2,400.00), C in 1-30 since 03-05 (1,000.00).
    expect(await samples(sut, 'reporting_accounts')).toEqual([
      'aging_bucket=1-30 = 1',
      'aging_bucket=31-60 = 1',
      'aging_bucket=current = 1',
    ]);
    expect(await samples(sut, 'reporting_receivable_minor')).toEqual([
      'currency=USD aging_bucket=1-30 = 100000',
      'currency=USD aging_bucket=31-60 = 240000',
      'currency=USD aging_bucket=current = 50000',
    ]);
  });

  it('counts promises kept and contact decisions allowed or refused by policy', async () => {
    expect(await samples(sut, 'reporting_promises_kept')).toEqual([' = 1']);
    expect(await samples(sut, 'reporting_contact_decisions')).toEqual([
      'channel=CHANNEL_CALL allowed=true = 2',
      'channel=CHANNEL_SMS allowed=false = 2', // dec-2 and dec-5
      'channel=CHANNEL_SMS allowed=true = 1',
    ]);
  });
});
