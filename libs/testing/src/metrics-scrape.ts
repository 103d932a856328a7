/**
 * The series of one metric on a service's /metrics (Prometheus text exposition), each as its
 * labels' values joined by spaces in `labels`' order → its value.
 */
export async function scrapeSeries(
  baseUrl: string,
  metric: string,
  labels: readonly string[],
): Promise<Record<string, number>> {
  const response = await fetch(`${baseUrl}/metrics`);
  if (response.status !== 200) throw new Error(`GET ${baseUrl}/metrics answered ${response.status}`);
  const series: Record<string, number> = {};
  for (const line of (await response.text()).split('\n')) {
    if (!line.startsWith(`${metric}{`)) continue;
    const m = /^[^{]+\{(.*)\} (\S+)$/.exec(line);
    if (!m) continue;
    const l = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map(([, k, v]) => [k, v]));
    series[labels.map((name) => l[name] ?? '').join(' ')] = Number(m[2]);
  }
  return series;
}
