import { join } from 'node:path';
import { DashboardQuery, interpolatePromql, interpolateSql, readDashboards } from '../src/grafana-dashboards';

const DASHBOARDS = join(__dirname, '..', '..', '..', 'deploy', 'grafana', 'dashboards');
const interpolation = {
  variables: { tenant: 'tenant_a', service: '.*' },
  from: new Date('2026-01-01T00:00:00Z'),
  to: new Date('2026-04-01T00:00:00Z'),
  rateInterval: '30s',
  range: '1h',
};

describe(readDashboards.name, () => {
  it('finds a query for every panel of the provisioned dashboards, and every one interpolates', () => {
    const { queries } = readDashboards(DASHBOARDS);
    expect(queries.length).toBeGreaterThan(20);
    for (const q of queries.filter((x) => !x.where.startsWith('variable'))) {
      const text = q.kind === 'prometheus' ? interpolatePromql(q, interpolation) : interpolateSql(q, interpolation);
      expect(text).not.toMatch(/\$/);
    }
  });
});

describe('panel query interpolation', () => {
  const query = (kind: DashboardQuery['kind'], text: string): DashboardQuery => ({
    dashboard: 'd.json',
    where: 'panel "p" #1 A',
    kind,
    text,
    datasourceUid: kind,
  });

  it("expands Grafana's PostgreSQL time macros and variables as the datasource would", () => {
    expect(
      interpolateSql(
        query('postgres', `SELECT 1 FROM t WHERE tenant_id = '$tenant' AND $__timeFilter(kept_at) AND d < $__timeTo()`),
        interpolation,
      ),
    ).toBe(
      "SELECT 1 FROM t WHERE tenant_id = 'tenant_a' AND kept_at BETWEEN '2026-01-01T00:00:00.000Z' AND '2026-04-01T00:00:00.000Z' AND d < '2026-04-01T00:00:00.000Z'",
    );
  });

  it('refuses a variable or macro it cannot give a value, so a new one is noticed', () => {
    expect(() => interpolatePromql(query('prometheus', 'up{job="$job"}'), interpolation)).toThrow('$job');
    expect(() => interpolateSql(query('postgres', 'SELECT $__unixEpochFilter(t)'), interpolation)).toThrow(
      '$__unixEpochFilter',
    );
  });
});
