import { Controller, Get, Res } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { Public } from './auth';

export interface MetricOptions<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export interface HistogramOptions<L extends string> extends MetricOptions<L> {
  /** Upper bounds in the metric's unit; prom-client's defaults suit seconds-scale latencies. */
  buckets?: number[];
}

/**
 * One Prometheus registry per process, labelled with the service. A private registry
 * (not prom-client's global one) keeps tests and co-hosted services from colliding.
 */
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(readonly service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /**
   * Returns the existing counter when already registered: modules can declare metrics independently.
   * `collect` runs on every scrape, for a total kept in a database (it sets the counter from it).
   */
  counter<L extends string = string>(
    options: MetricOptions<L> & { collect?: (counter: Counter<L>) => Promise<void> },
  ): Counter<L> {
    const collect = options.collect;
    return this.registerOnce(
      options.name,
      Counter,
      () =>
        new Counter<L>({
          ...this.common(options),
          ...(collect
            ? {
                collect: async function (this: Counter<L>) {
                  await collect(this);
                },
              }
            : {}),
        }),
    );
  }

  histogram<L extends string = string>(options: HistogramOptions<L>): Histogram<L> {
    return this.registerOnce(
      options.name,
      Histogram,
      () => new Histogram<L>({ ...this.common(options), ...(options.buckets ? { buckets: options.buckets } : {}) }),
    );
  }

  /** `collect` runs on every scrape, so a gauge read from a database is never stale. */
  gauge<L extends string = string>(
    options: MetricOptions<L> & { collect?: (gauge: Gauge<L>) => Promise<void> },
  ): Gauge<L> {
    const collect = options.collect;
    return this.registerOnce(
      options.name,
      Gauge,
      () =>
        new Gauge<L>({
          ...this.common(options),
          ...(collect
            ? {
                collect: async function (this: Gauge<L>) {
                  await collect(this);
                },
              }
            : {}),
        }),
    );
  }

  /** Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  private common<L extends string>(
    options: MetricOptions<L>,
  ): {
    name: string;
    help: string;
    labelNames: L[];
    registers: Registry[];
  } {
    return {
      name: options.name,
      help: options.help,
      labelNames: [...(options.labelNames ?? [])],
      registers: [this.registry],
    };
  }

  private registerOnce<M>(name: string, kind: abstract new (...args: never[]) => M, create: () => M): M {
    const existing: unknown = this.registry.getSingleMetric(name);
    if (existing === undefined) return create();
    if (existing instanceof kind) return existing;
    throw new Error(`metric ${name} is already registered as a different type`);
  }
}

interface HttpResponseWithHeaders {
  setHeader(name: string, value: string): unknown;
}

/** Prometheus scrape endpoint. Public because scrapers carry no tenant credentials. */
@Public()
@Controller()
export class MetricsController {
  constructor(private readonly metricsRegistry: MetricsRegistry) {}

  @Get('metrics')
  async metrics(@Res({ passthrough: true }) response: HttpResponseWithHeaders): Promise<string> {
    response.setHeader('Content-Type', this.metricsRegistry.contentType);
    return this.metricsRegistry.metrics();
  }
}
