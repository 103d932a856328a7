import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** One query of a provisioned Grafana dashboard: a panel target or a template variable's query. */
export interface DashboardQuery {
  dashboard: string;
  /** `panel "<title>" #<id> <refId>` or `variable $<name>`. */
  where: string;
  kind: 'prometheus' | 'postgres';
  /** As written in the JSON, with Grafana's variables and macros still in it. */
  text: string;
  /** Datasource uid as the dashboard names it (must be a provisioned one). */
  datasourceUid: string;
}

export interface DashboardVariable {
  dashboard: string;
  name: string;
  includeAll: boolean;
  allValue?: string;
}

interface Datasource {
  type?: string;
  uid?: string;
}
interface Target {
  refId?: string;
  datasource?: Datasource;
  expr?: string;
  rawSql?: string;
  hide?: boolean;
}
interface Panel {
  id?: number;
  type: string;
  title?: string;
  datasource?: Datasource;
  targets?: Target[];
  panels?: Panel[];
}
interface Dashboard {
  title: string;
  panels?: Panel[];
  templating?: {
    list?: {
      name: string;
      type: string;
      datasource?: Datasource;
      query?: string | { query?: string };
      includeAll?: boolean;
      allValue?: string;
    }[];
  };
}

function kindOf(ds: Datasource | undefined, where: string): 'prometheus' | 'postgres' {
  if (ds?.type === 'prometheus') return 'prometheus';
  if (ds?.type === 'grafana-postgresql-datasource' || ds?.type === 'postgres') return 'postgres';
  throw new Error(`${where}: datasource ${JSON.stringify(ds)} is neither Prometheus nor PostgreSQL`);
}

/** Panels without queries by nature (layout and prose). */
const NO_QUERY_PANELS = new Set(['row', 'text', 'dashlist', 'news']);

/**
 * Every query of every dashboard JSON in the folder: each target of each panel (rows' nested
 * panels included) and each query variable. A panel that should query and has no target, or
 * whose target has no query text, is reported as an error, so nothing is silently skipped.
 */
export function readDashboards(dir: string): {
  queries: DashboardQuery[];
  variables: DashboardVariable[];
  panelCount: number;
} {
  const queries: DashboardQuery[] = [];
  const variables: DashboardVariable[] = [];
  let panelCount = 0;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const dashboard = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Dashboard;
    const name = `${file} (${dashboard.title})`;
    const visit = (panel: Panel) => {
      for (const nested of panel.panels ?? []) visit(nested);
      if (NO_QUERY_PANELS.has(panel.type)) return;
      panelCount += 1;
      const label = `panel "${panel.title ?? '?'}" #${panel.id ?? '?'}`;
      const targets = (panel.targets ?? []).filter((t) => !t.hide);
      if (targets.length === 0) throw new Error(`${name}: ${label} has no query`);
      for (const t of targets) {
        const where = `${label} ${t.refId ?? ''}`.trim();
        const ds = t.datasource ?? panel.datasource;
        const kind = kindOf(ds, `${name}: ${where}`);
        const text = kind === 'prometheus' ? t.expr : t.rawSql;
        if (!text?.trim()) throw new Error(`${name}: ${where} has an empty ${kind} query`);
        queries.push({ dashboard: name, where, kind, text, datasourceUid: ds?.uid ?? '' });
      }
    };
    for (const panel of dashboard.panels ?? []) visit(panel);
    for (const v of dashboard.templating?.list ?? []) {
      variables.push({ dashboard: name, name: v.name, includeAll: v.includeAll === true, allValue: v.allValue });
      if (v.type !== 'query') continue;
      const where = `variable $${v.name}`;
      const kind = kindOf(v.datasource, `${name}: ${where}`);
      const text = typeof v.query === 'string' ? v.query : v.query?.query;
      if (!text?.trim()) throw new Error(`${name}: ${where} has no query`);
      queries.push({ dashboard: name, where, kind, text, datasourceUid: v.datasource?.uid ?? '' });
    }
  }
  return { queries, variables, panelCount };
}

/** Grafana's Prometheus variable queries (`label_values(metric, label)`) as the PromQL they stand for. */
export function promqlOfVariableQuery(text: string): string {
  const m = /^\s*label_values\(\s*(.+?)\s*,\s*(\w+)\s*\)\s*$/.exec(text);
  return m ? `count by (${m[2]}) (${m[1]})` : text;
}

export interface Interpolation {
  /** Dashboard variables by name (`$name`, `${name}`, `[[name]]`). */
  variables: Record<string, string>;
  /** Range of the dashboard's time picker, for the SQL time macros. */
  from: Date;
  to: Date;
  /** Value of `$__rate_interval`, `$__interval` and `$__range` in PromQL (e.g. `30s`). */
  rateInterval: string;
  range: string;
}

function replaceVariables(text: string, variables: Record<string, string>, where: string): string {
  const out = text.replace(
    /\$\{(\w+)(?::\w+)?\}|\$(\w+)|\[\[(\w+)\]\]/g,
    (whole, a?: string, b?: string, c?: string) => {
      const name = a ?? b ?? c ?? '';
      if (name.startsWith('__')) return whole;
      if (!(name in variables)) throw new Error(`${where}: no value for dashboard variable $${name}`);
      return variables[name];
    },
  );
  return out;
}

function assertExpanded(text: string, where: string): string {
  const left = /\$__\w+/.exec(text);
  if (left) throw new Error(`${where}: macro ${left[0]} is not supported by the panel test`);
  return text;
}

/** The PromQL Grafana would send: variables and interval macros replaced. */
export function interpolatePromql(q: DashboardQuery, i: Interpolation): string {
  const text = replaceVariables(q.text, i.variables, `${q.dashboard}: ${q.where}`)
    .replace(/\$__rate_interval|\$__interval/g, i.rateInterval)
    .replace(/\$__range/g, i.range);
  return assertExpanded(text, `${q.dashboard}: ${q.where}`);
}

/** The SQL Grafana's PostgreSQL datasource would run: `$__timeFilter(c)`, `$__timeFrom()`, `$__timeTo()`. */
export function interpolateSql(q: DashboardQuery, i: Interpolation): string {
  const from = `'${i.from.toISOString()}'`;
  const to = `'${i.to.toISOString()}'`;
  const text = replaceVariables(q.text, i.variables, `${q.dashboard}: ${q.where}`)
    .replace(/\$__timeFilter\(([^)]+)\)/g, (_, column: string) => `${column.trim()} BETWEEN ${from} AND ${to}`)
    .replace(/\$__timeFrom\(\)/g, from)
    .replace(/\$__timeTo\(\)/g, to);
  return assertExpanded(text, `${q.dashboard}: ${q.where}`);
}
