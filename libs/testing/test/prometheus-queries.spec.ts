import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { Writable } from 'node:stream';
import { join, relative } from 'node:path';
import { parse } from 'yaml';
import { Transport } from '@collections/messaging';
import {
  ManualClock,
  MetricsRegistry,
  createLogger,
  grpcRequestHistogram,
  httpRequestHistogram,
} from '@collections/platform';
import {
  ServiceContext,
  backboneMetrics,
  jobRunMetrics,
  meteredTransport,
  registerBackboneGauges,
} from '@collections/runtime';
import { registerImportMetrics } from '../../../services/ledger/src/imports/import-metrics';
import { registerDisputeMetrics } from '../../../services/ledger/src/ledger/dispute-metrics';
import { registerReconciliationMetrics } from '../../../services/ledger/src/reconciliation/reconciliation-metrics';
import { registerApprovalMetrics } from '../../../services/promises/src/negotiation/approval-metrics';
import { SettlementReviews } from '../../../services/promises/src/settlements/settlement-reviews';
import { registerAgentQueueMetrics } from '../../../services/orchestrator/src/agents/agent-queue-metrics';
import { smsSegmentsCounter } from '../../../services/orchestrator/src/channels/sms/twilio.provider';
import { DispatchDueContactsUseCase } from '../../../services/orchestrator/src/dispatch/usecases/dispatch-due.usecase';
import { ContactRefusals } from '../../../services/orchestrator/src/planning/contact-refusals';
import { ReportingBusinessMetrics } from '../../../services/reporting/src/metrics/business.metrics';
import { ScoreMonitoringMetrics } from '../../../services/scoring/src/monitoring/score-monitoring.metrics';
import { LiveModels } from '../../../services/scoring/src/scores/live-models';
import { interpolatePromql, promqlOfVariableQuery, readDashboards } from '../src/grafana-dashboards';

/*
 * Every PromQL expression operators look at (Grafana panels and variables, Prometheus alert and
 * recording rules) against the metrics the code registers: a query naming a metric or label no
 * service exports is silently empty, and the operator reads "all is well". No network and no
 * Prometheus: the metric catalogue is what the services' own registration code puts in a
 * registry, run in-process; the queries are read from deploy/.
 */

const REPO = join(__dirname, '..', '..', '..');
const DASHBOARDS = join(REPO, 'deploy', 'grafana', 'dashboards');
const PROMETHEUS = join(REPO, 'deploy', 'prometheus');
const RULES = join(PROMETHEUS, 'rules');

type MetricType = 'counter' | 'gauge' | 'histogram' | 'summary';
interface ExportedMetric {
  name: string;
  type: MetricType;
  labels: string[];
}

/**
 * Files that register metrics, each exercised by `exportedMetrics` below (`queue-gauges.ts` by
 * the queues that register through it: the reconciliation review queue, the approval queue, the agents' work queues, open disputes).
 */
const REGISTERING_FILES = [
  'libs/platform/src/request-metrics.ts',
  'libs/runtime/src/metering.ts',
  'libs/runtime/src/queue-gauges.ts',
  'services/ledger/src/imports/import-metrics.ts',
  'services/orchestrator/src/channels/sms/twilio.provider.ts',
  'services/orchestrator/src/dispatch/usecases/dispatch-due.usecase.ts',
  'services/orchestrator/src/planning/contact-refusals.ts',
  'services/promises/src/settlements/settlement-reviews.ts',
  'services/reporting/src/metrics/business.metrics.ts',
  'services/scoring/src/monitoring/score-monitoring.metrics.ts',
];

/** Every metric the services register, with its type and label names, by running their registration code. */
function exportedMetrics(): Map<string, ExportedMetric> {
  const metrics = new MetricsRegistry('catalogue');
  const logger = createLogger({
    service: 'catalogue',
    destination: new Writable({ write: (_c, _e, done) => done() }),
  });
  const ctx = {
    name: 'reporting',
    schema: 'catalogue',
    dataSource: {},
    clock: new ManualClock(new Date('2026-03-02T15:00:00Z')),
    logger,
    metrics,
  } as unknown as ServiceContext;
  const transport: Transport = {
    kind: 'kafka',
    publish: async () => undefined,
    subscribe: async () => ({ stop: async () => undefined }),
    close: async () => undefined,
  };
  // Messaging (every service, and the embedded platform), request latency, and every job the
  // clock runs (ClockTimedJob).
  meteredTransport(transport, metrics);
  backboneMetrics(metrics, 'catalogue');
  registerBackboneGauges(metrics, [], () => 'catalogue');
  httpRequestHistogram(metrics);
  grpcRequestHistogram(metrics);
  jobRunMetrics(metrics, 'catalogue');
  // Per service.
  new ReportingBusinessMetrics(ctx).onModuleInit();
  new ScoreMonitoringMetrics(ctx, {
    champion: { version: 'catalogue', model: {} },
  } as unknown as LiveModels).onModuleInit();
  new DispatchDueContactsUseCase(ctx, {} as never, {} as never, {} as never);
  ContactRefusals.of(metrics);
  smsSegmentsCounter(metrics);
  registerImportMetrics(ctx);
  registerReconciliationMetrics(ctx);
  registerApprovalMetrics(ctx);
  registerAgentQueueMetrics(ctx);
  registerDisputeMetrics(ctx);
  new SettlementReviews(metrics, {} as never);

  const out = new Map<string, ExportedMetric>();
  for (const m of metrics.registry.getMetricsAsArray()) {
    const labelNames = (m as unknown as { labelNames?: string[] }).labelNames ?? [];
    out.set(m.name, { name: m.name, type: String(m.type) as MetricType, labels: [...labelNames] });
  }
  return out;
}

/** Labels on every series: the registry's default label, and the target labels Prometheus adds. */
const SERIES_LABELS = ['service', 'job', 'instance'];
/** Series Prometheus makes itself for every target. */
const SYNTHETIC = ['up', 'scrape_duration_seconds', 'scrape_samples_scraped', 'scrape_series_added'];
/**
 * Counters with series that stay absent until their first increment, so are born at 1, or (read
 * from a database) at their first totals (see `sparse counters`).
 */
const SPARSE_COUNTERS = [
  'collections_dead_letters_total',
  'collections_contact_refusals_total',
  'collections_import_lines_total',
];

// ---------------------------------------------------------------------------------------------
// A small PromQL reader: enough to find every selector, its label matchers, the labels it is
// grouped or matched by, and the range function applied to it.

type Token =
  | { t: 'ident'; v: string }
  | { t: 'matchers'; labels: string[] }
  | { t: 'range' }
  | { t: 'literal' }
  | { t: 'punct'; v: string };

const MATCHER =
  /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)\s*(?:,|(?=\}))/y;

function tokenize(expr: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i];
    if (/\s/.test(c)) {
      i++;
    } else if (c === '#') {
      while (i < expr.length && expr[i] !== '\n') i++;
    } else if (c === '"' || c === "'" || c === '`') {
      const m = /^("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|`[^`]*`)/.exec(expr.slice(i));
      if (!m) throw new Error(`unterminated string at ${i}`);
      out.push({ t: 'literal' });
      i += m[0].length;
    } else if (c === '{') {
      const labels: string[] = [];
      let j = i + 1;
      for (;;) {
        while (/\s/.test(expr[j] ?? '')) j++;
        if (expr[j] === '}') break;
        MATCHER.lastIndex = j;
        const m = MATCHER.exec(expr);
        if (!m) throw new Error(`cannot read the label matchers at ${j}: ${expr.slice(j, j + 40)}`);
        labels.push(m[1]);
        j = MATCHER.lastIndex;
      }
      out.push({ t: 'matchers', labels });
      i = j + 1;
    } else if (c === '[') {
      const end = expr.indexOf(']', i);
      if (end < 0) throw new Error(`unterminated range at ${i}`);
      out.push({ t: 'range' });
      i = end + 1;
    } else {
      const rest = expr.slice(i);
      const num = /^(0x[0-9a-fA-F]+|(?:[0-9]+[a-zA-Z]+)+|[0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)/.exec(rest);
      const ident = /^[A-Za-z_:][A-Za-z0-9_:]*/.exec(rest);
      if (num) {
        out.push({ t: 'literal' });
        i += num[0].length;
      } else if (ident) {
        out.push({ t: 'ident', v: ident[0] });
        i += ident[0].length;
      } else {
        out.push({ t: 'punct', v: c });
        i++;
      }
    }
  }
  return out;
}

const KEYWORDS = new Set(['and', 'or', 'unless', 'bool', 'offset', 'inf', 'nan']);
const LABEL_LIST_KEYWORDS = new Set(['by', 'without', 'on', 'ignoring', 'group_left', 'group_right']);
const COUNTER_FUNCTIONS = new Set(['rate', 'irate', 'increase', 'resets']);

interface Selector {
  name: string;
  labels: string[];
  /** `rate`, `increase`… when the selector is that function's argument. */
  rangeFunction?: string;
}
interface Grouping {
  keyword: string;
  labels: string[];
  /** Selectors the labels must be on: the aggregation's argument, or the whole expression for on/ignoring. */
  selectors: Selector[];
}

function matchingParen(tokens: Token[], open: number): number {
  let depth = 0;
  for (let k = open; k < tokens.length; k++) {
    const tok = tokens[k];
    if (tok.t !== 'punct') continue;
    if (tok.v === '(') depth++;
    if (tok.v === ')' && --depth === 0) return k;
  }
  throw new Error('unbalanced parentheses');
}

function openingParen(tokens: Token[], close: number): number {
  let depth = 0;
  for (let k = close; k >= 0; k--) {
    const tok = tokens[k];
    if (tok.t !== 'punct') continue;
    if (tok.v === ')') depth++;
    if (tok.v === '(' && --depth === 0) return k;
  }
  throw new Error('unbalanced parentheses');
}

const isPunct = (tok: Token | undefined, v: string) => tok?.t === 'punct' && tok.v === v;

function analysePromql(expr: string): { selectors: Selector[]; groupings: Grouping[] } {
  const tokens = tokenize(expr);
  const selectorAt = new Map<number, Selector>();
  const labelLists: { keyword: string; at: number; labels: string[]; end: number }[] = [];
  for (let k = 0; k < tokens.length; k++) {
    const tok = tokens[k];
    if (tok.t === 'matchers' && tokens[k - 1]?.t !== 'ident') {
      throw new Error('a selector without a metric name is not supported');
    }
    if (tok.t !== 'ident') continue;
    const v = tok.v;
    if (LABEL_LIST_KEYWORDS.has(v)) {
      if (!isPunct(tokens[k + 1], '(')) continue; // group_left without labels
      const end = matchingParen(tokens, k + 1);
      const labels = tokens
        .slice(k + 2, end)
        .filter((x): x is { t: 'ident'; v: string } => x.t === 'ident')
        .map((x) => x.v);
      labelLists.push({ keyword: v, at: k, labels, end });
      k = end;
      continue;
    }
    const next = tokens[k + 1];
    // a function or aggregation: `rate(`, `sum(`, `sum by (`
    const aggregation = next?.t === 'ident' && (next.v === 'by' || next.v === 'without');
    if (KEYWORDS.has(v.toLowerCase()) || isPunct(next, '(') || aggregation) continue;
    const fn = tokens[k - 2];
    selectorAt.set(k, {
      name: v,
      labels: next?.t === 'matchers' ? next.labels : [],
      ...(isPunct(tokens[k - 1], '(') && fn?.t === 'ident' && COUNTER_FUNCTIONS.has(fn.v)
        ? { rangeFunction: fn.v }
        : {}),
    });
  }
  const within = (from: number, to: number) => [...selectorAt].filter(([k]) => k > from && k < to).map(([, s]) => s);
  const groupings: Grouping[] = labelLists.map((l) => {
    if (l.keyword !== 'by' && l.keyword !== 'without') {
      return { keyword: l.keyword, labels: l.labels, selectors: [...selectorAt.values()] };
    }
    // `sum by (l) (arg)` or `sum (arg) by (l)`
    const argOpen = isPunct(tokens[l.end + 1], '(') ? l.end + 1 : undefined;
    if (argOpen !== undefined) return { ...l, selectors: within(argOpen, matchingParen(tokens, argOpen)) };
    const argClose = l.at - 1;
    if (!isPunct(tokens[argClose], ')')) throw new Error(`${l.keyword} (…) has no aggregation argument`);
    return { ...l, selectors: within(openingParen(tokens, argClose), argClose) };
  });
  return { selectors: [...selectorAt.values()], groupings };
}

// ---------------------------------------------------------------------------------------------

interface Query {
  where: string;
  expr: string;
  /** Labels a legend or an alert's annotations name (`{{label}}`, `$labels.label`). */
  labelRefs: string[];
}

interface Resolved {
  metric: ExportedMetric;
  labels: Set<string> | undefined;
}

function resolver(catalogue: Map<string, ExportedMetric>, recorded: Set<string>) {
  return (name: string): Resolved | string => {
    const exact = catalogue.get(name);
    if (exact) {
      if (exact.type === 'histogram') return `histogram ${name} is exported as ${name}_bucket, _sum and _count only`;
      const quantile = exact.type === 'summary' ? ['quantile'] : [];
      return { metric: exact, labels: new Set([...exact.labels, ...SERIES_LABELS, ...quantile, '__name__']) };
    }
    if (SYNTHETIC.includes(name)) {
      return { metric: { name, type: 'gauge', labels: [] }, labels: new Set(['job', 'instance', '__name__']) };
    }
    if (recorded.has(name)) return { metric: { name, type: 'gauge', labels: [] }, labels: undefined };
    const m = /^(.*)_(bucket|sum|count)$/.exec(name);
    const base = m && catalogue.get(m[1]);
    if (base && (base.type === 'histogram' || (base.type === 'summary' && m[2] !== 'bucket'))) {
      const extra = m[2] === 'bucket' ? ['le'] : [];
      return {
        metric: { name, type: 'counter', labels: base.labels },
        labels: new Set([...base.labels, ...SERIES_LABELS, ...extra]),
      };
    }
    const near = [...catalogue.keys()].filter(
      (k) => k.split('_').slice(0, 2).join('_') === name.split('_').slice(0, 2).join('_'),
    );
    return `no service exports ${name}${near.length ? ` (exported: ${near.join(', ')})` : ''}`;
  };
}

/** What is wrong with one query against the catalogue: one line per problem. */
function problemsOf(q: Query, resolve: ReturnType<typeof resolver>): string[] {
  const problems: string[] = [];
  let analysis: ReturnType<typeof analysePromql>;
  try {
    analysis = analysePromql(q.expr);
  } catch (err) {
    return [`${q.where}: ${(err as Error).message}`];
  }
  const resolved = new Map<Selector, Resolved>();
  for (const s of analysis.selectors) {
    const r = resolve(s.name);
    if (typeof r === 'string') {
      problems.push(`${q.where}: ${r}`);
      continue;
    }
    resolved.set(s, r);
    for (const l of s.labels) {
      if (r.labels && !r.labels.has(l)) {
        problems.push(`${q.where}: ${s.name} has no label ${l} (labels: ${[...r.labels].sort().join(', ')})`);
      }
    }
    if (s.rangeFunction && r.metric.type === 'gauge' && r.labels) {
      problems.push(`${q.where}: ${s.rangeFunction}() of ${s.name}, which is a gauge`);
    }
  }
  for (const g of analysis.groupings) {
    const known = g.selectors.map((s) => resolved.get(s)).filter((r): r is Resolved => r !== undefined);
    for (const l of g.labels) {
      const missing =
        g.keyword === 'by'
          ? known.filter((r) => r.labels && !r.labels.has(l))
          : known.every((r) => r.labels && !r.labels.has(l))
            ? known
            : [];
      for (const r of missing) problems.push(`${q.where}: ${g.keyword} (${l}) but ${r.metric.name} has no label ${l}`);
    }
  }
  const all = [...resolved.values()];
  for (const l of q.labelRefs) {
    if (all.length > 0 && all.every((r) => r.labels && !r.labels.has(l))) {
      problems.push(`${q.where}: names label ${l}, which none of its metrics has`);
    }
  }
  // A counter born at 1 with its first increment: increase() over its first samples is 0, so a
  // query must also read the raw counter for series younger than its window.
  for (const name of SPARSE_COUNTERS) {
    const uses = analysis.selectors.filter((s) => s.name === name);
    if (uses.some((s) => s.rangeFunction) && uses.every((s) => s.rangeFunction)) {
      problems.push(
        `${q.where}: only ${uses[0].rangeFunction}() of ${name}, which misses each series' first increment (add \`or ${name}\` for series younger than the window)`,
      );
    }
  }
  return problems;
}

function labelRefsOf(...texts: (string | undefined)[]): string[] {
  const refs = new Set<string>();
  for (const t of texts) {
    for (const m of (t ?? '').matchAll(/\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}|\$labels\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
      refs.add(m[1] ?? m[2]);
    }
  }
  return [...refs];
}

interface Legend {
  id?: number;
  targets?: { refId?: string; legendFormat?: string }[];
  panels?: Legend[];
}

/** Grafana's PromQL queries, with their legends, as Grafana would send them. */
function dashboardQueries(): Query[] {
  const legends = new Map<string, string>();
  for (const file of readdirSync(DASHBOARDS).filter((f) => f.endsWith('.json'))) {
    const visit = (p: Legend) => {
      for (const t of p.targets ?? []) legends.set(`${file}#${p.id}${t.refId}`, t.legendFormat ?? '');
      for (const nested of p.panels ?? []) visit(nested);
    };
    for (const p of (JSON.parse(readFileSync(join(DASHBOARDS, file), 'utf8')) as { panels: Legend[] }).panels) visit(p);
  }
  const interpolation = {
    variables: { service: '.*', tenant: 'tenant_a' },
    from: new Date('2026-01-01T00:00:00Z'),
    to: new Date('2026-04-01T00:00:00Z'),
    rateInterval: '1m',
    range: '1h',
  };
  return readDashboards(DASHBOARDS)
    .queries.filter((q) => q.kind === 'prometheus')
    .map((q) => {
      const file = q.dashboard.split(' ')[0];
      const m = /#(\d+) (\w+)$/.exec(q.where);
      return {
        where: `${q.dashboard}: ${q.where}`,
        expr: q.where.startsWith('variable') ? promqlOfVariableQuery(q.text) : interpolatePromql(q, interpolation),
        labelRefs: labelRefsOf(m ? legends.get(`${file}#${m[1]}${m[2]}`) : undefined),
      };
    });
}

interface RuleFile {
  groups: {
    name: string;
    rules: {
      alert?: string;
      record?: string;
      expr: string;
      for?: string;
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    }[];
  }[];
}

function ruleFiles(): { file: string; content: RuleFile }[] {
  if (!existsSync(RULES)) return [];
  return readdirSync(RULES)
    .filter((f) => f.endsWith('.rules.yml'))
    .sort()
    .map((f) => ({ file: f, content: parse(readFileSync(join(RULES, f), 'utf8')) as RuleFile }));
}

function ruleQueries(): Query[] {
  return ruleFiles().flatMap(({ file, content }) =>
    content.groups.flatMap((g) =>
      g.rules.map((r) => ({
        where: `rules/${file} ${g.name}: ${r.alert ?? r.record}`,
        expr: r.expr,
        labelRefs: labelRefsOf(...Object.values(r.annotations ?? {}), ...Object.values(r.labels ?? {})),
      })),
    ),
  );
}

/** Metric names an expression reads. */
const metricsOf = (queries: Query[]) =>
  new Set(queries.flatMap((q) => analysePromql(q.expr).selectors.map((s) => s.name)));

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.spec.ts'))
    .map((e) => relative(REPO, join(e.parentPath, e.name)));
}

describe('PromQL of the dashboards and alert rules against the metrics the code exports', () => {
  const catalogue = exportedMetrics();
  const recorded = new Set(
    ruleFiles().flatMap((f) => f.content.groups.flatMap((g) => g.rules.map((r) => r.record ?? ''))),
  );
  recorded.delete('');
  const resolve = resolver(catalogue, recorded);

  it('builds the catalogue from every file that registers a metric', () => {
    const registering = [
      ...['libs', 'services'].flatMap((top) =>
        readdirSync(join(REPO, top)).flatMap((pkg) => {
          const src = join(REPO, top, pkg, 'src');
          try {
            return sourceFiles(src);
          } catch {
            return [];
          }
        }),
      ),
      ...sourceFiles(join(REPO, 'deploy', 'embedded', 'src')),
    ]
      .filter((f) => f !== 'libs/platform/src/metrics.ts') // the registry itself
      .filter((f) =>
        /\bmetrics\s*\.\s*(counter|gauge|histogram)\s*(<[^>()]*>)?\s*\(|new\s+(Counter|Gauge|Histogram|Summary)\s*(<[^>()]*>)?\s*\(/.test(
          readFileSync(join(REPO, f), 'utf8'),
        ),
      )
      .sort();
    // A new file here: construct what it registers in exportedMetrics() and list it.
    expect(registering).toEqual(REGISTERING_FILES);
    expect([...catalogue.keys()]).toEqual(
      expect.arrayContaining([
        'collections_dead_letters_total',
        'collections_consumer_lag',
        'collections_outbox_backlog',
        'http_request_duration_seconds',
        'reporting_contact_decisions',
        'scoring_score_psi',
        'collections_contact_sending_paused_seconds',
        'collections_job_runs_total',
        'collections_job_last_success_timestamp_seconds',
        'collections_relay_publish_failures_total',
        'collections_consumer_crashes_total',
        'collections_provider_sends_total',
        'collections_sms_segments_total',
        'collections_contact_refusals_total',
        'collections_import_lines_total',
        'process_cpu_seconds_total',
      ]),
    );
  });

  it('exports counters ending in _total and nothing else so named, as Prometheus expects', () => {
    // prom-client's own process and Node.js metrics are as they are (e.g. the gauge nodejs_active_handles_total).
    const defaults = new Set(new MetricsRegistry('defaults').registry.getMetricsAsArray().map((m) => m.name));
    const wrong = [...catalogue.values()]
      .filter((m) => !defaults.has(m.name))
      .filter((m) => (m.type === 'counter') !== m.name.endsWith('_total') || /_(bucket|count|sum)$/.test(m.name))
      .map((m) => `${m.name} (${m.type})`);
    expect(wrong).toEqual([]);
  });

  it('exports no label Prometheus sets on every series itself, which it would rename exported_<label>', () => {
    // e.g. a scheduled job's name is `job_name`: a `job` label would become `exported_job`.
    const clashing = [...catalogue.values()].flatMap((m) =>
      m.labels.filter((l) => ['job', 'instance'].includes(l)).map((l) => `${m.name}{${l}}`),
    );
    expect(clashing).toEqual([]);
  });

  it('queries, in every Grafana panel and variable, only metrics and labels a service exports', () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(20);
    expect(queries.flatMap((q) => problemsOf(q, resolve))).toEqual([]);
  });

  it('has alert rules, loaded by both Prometheus configs, each with a severity and a summary', () => {
    const files = ruleFiles();
    expect(files.map((f) => f.file)).not.toEqual([]);
    for (const config of ['prometheus.yml', 'prometheus.local.yml']) {
      const globs =
        (parse(readFileSync(join(PROMETHEUS, config), 'utf8')) as { rule_files?: string[] }).rule_files ?? [];
      const loaded = files.filter(({ file }) =>
        globs.some((g) =>
          new RegExp(`^${g.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`).test(`rules/${file}`),
        ),
      );
      expect({ config, loaded: loaded.map((f) => f.file) }).toEqual({ config, loaded: files.map((f) => f.file) });
    }
    const incomplete = files.flatMap(({ file, content }) =>
      content.groups.flatMap((g) =>
        g.rules
          .filter((r) => r.alert)
          .filter(
            (r) =>
              !['critical', 'warning', 'info'].includes(r.labels?.severity ?? '') ||
              !r.annotations?.summary ||
              !r.annotations.description,
          )
          .map((r) => `${file}: ${r.alert}`),
      ),
    );
    expect(incomplete).toEqual([]);
  });

  it('queries, in every alert and recording rule, only metrics and labels a service exports', () => {
    expect(ruleQueries().flatMap((q) => problemsOf(q, resolve))).toEqual([]);
  });

  it('shows on a dashboard, and alerts on, what an operator must not miss', () => {
    const shown = metricsOf(dashboardQueries());
    const alerted = metricsOf(ruleQueries());
    const mustShow = [
      'collections_dead_letters_total',
      'collections_consumer_lag',
      'collections_outbox_backlog',
      'collections_contact_sending_paused_seconds',
      'collections_job_runs_total',
      'collections_job_last_success_timestamp_seconds',
      'collections_relay_publish_failures_total',
      'collections_provider_sends_total',
      'collections_contact_refusals_total',
      'collections_import_lines_total',
      'collections_reconciliation_unmatched_amount_minor',
      'collections_reconciliation_unmatched_oldest_value_date_seconds',
      'collections_offer_approvals_waiting',
      'collections_offer_approvals_oldest_requested_seconds',
      'collections_offer_approvals_expired_last_day',
      'collections_offer_approvals_decided_last_day',
      'collections_settlement_reviews_total',
      'collections_agent_tasks_open',
      'collections_agent_tasks_oldest_due_seconds',
      'collections_disputes_open',
      'collections_disputes_oldest_start_seconds',
      'reporting_contact_decisions',
      'scoring_score_psi',
      'scoring_psi',
      'scoring_monitored_accounts',
    ];
    const mustAlert = [
      'up',
      'collections_dead_letters_total',
      'collections_consumer_lag',
      'collections_outbox_backlog',
      'collections_contact_sending_paused_seconds',
      'collections_job_runs_total',
      'collections_job_last_success_timestamp_seconds',
      'collections_relay_publish_failures_total',
      'collections_consumer_crashes_total',
      'collections_provider_sends_total',
      'collections_import_lines_total',
      'collections_reconciliation_unmatched_oldest_value_date_seconds',
      'collections_offer_approvals_oldest_requested_seconds',
      'collections_settlement_reviews_total',
      'collections_agent_tasks_oldest_due_seconds',
      'collections_disputes_oldest_start_seconds',
      'scoring_score_psi',
      'scoring_psi',
      'scoring_auc_matured',
      'scoring_calibration_error',
    ];
    expect({
      notOnADashboard: mustShow.filter((m) => !shown.has(m)),
      notAlertedOn: mustAlert.filter((m) => !alerted.has(m)),
    }).toEqual({ notOnADashboard: [], notAlertedOn: [] });
  });
});

describe(analysePromql.name, () => {
  const catalogue = new Map<string, ExportedMetric>([
    ['x_total', { name: 'x_total', type: 'counter', labels: ['topic'] }],
    ['g', { name: 'g', type: 'gauge', labels: ['owner'] }],
    ['h_seconds', { name: 'h_seconds', type: 'histogram', labels: ['route'] }],
    ['collections_dead_letters_total', { name: 'collections_dead_letters_total', type: 'counter', labels: ['topic'] }],
  ]);
  const check = (expr: string, labelRefs: string[] = []) =>
    problemsOf({ where: 'q', expr, labelRefs }, resolver(catalogue, new Set()));

  it('accepts selectors, groupings and histogram series that exist', () => {
    expect(
      check(
        'histogram_quantile(0.95, sum by (service, route, le) (rate(h_seconds_bucket{route!="x"}[5m]))) > 0 and on (service) sum(rate(x_total{topic=~"a|b"}[1m])) by (service)',
        ['route'],
      ),
    ).toEqual([]);
  });

  it('reports an unknown metric, label, grouping label, legend label, and rate() of a gauge', () => {
    expect(check('sum by (owner) (rate(x_total{topc="a"}[5m])) + rate(g[1m]) + h_seconds + y', ['tenant'])).toEqual([
      'q: x_total has no label topc (labels: __name__, instance, job, service, topic)',
      'q: rate() of g, which is a gauge',
      'q: histogram h_seconds is exported as h_seconds_bucket, _sum and _count only',
      'q: no service exports y',
      'q: by (owner) but x_total has no label owner',
      'q: names label tenant, which none of its metrics has',
    ]);
  });

  it('reports increase() of a sparse counter that never reads the counter itself', () => {
    expect(check('sum(increase(collections_dead_letters_total[1h]))')).toHaveLength(1);
    expect(
      check(
        'sum((increase(collections_dead_letters_total[1h]) and collections_dead_letters_total offset 1h) or collections_dead_letters_total)',
      ),
    ).toEqual([]);
  });
});
