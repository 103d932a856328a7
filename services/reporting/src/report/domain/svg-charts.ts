/**
 * Charts as inline SVG strings, drawn on the server so the report needs no script and no CDN,
 * prints as it shows, and reads the same in any browser. Every data mark carries `data-mark`
 * and every chart `data-chart=<id>`, so a test (or a reader's tool) can find what was drawn.
 */

/** Escapes text for HTML and SVG content and attribute values. */
export const esc = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface Series {
  name: string;
  values: number[];
  color: string;
}

/** A series drawn as points; null leaves a point out. */
export interface LineSeries {
  name: string;
  values: (number | null)[];
  color: string;
}

const W = 640;
const H = 260;
const PAD = { left: 64, right: 16, top: 28, bottom: 48 };
const r1 = (n: number) => Math.round(n * 10) / 10;

/** A nice upper bound for an axis: 1, 2 or 5 × 10^k at or above the maximum. */
export function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return ([1, 2, 5, 10].find((m) => m * p >= max) ?? 10) * p;
}

function legend(series: Series[]): string {
  return series
    .map(
      (s, i) =>
        `<g transform="translate(${PAD.left + i * 180},${H - 14})"><rect width="10" height="10" fill="${s.color}"/>` +
        `<text x="14" y="9" font-size="11">${esc(s.name)}</text></g>`,
    )
    .join('');
}

function axis(top: number, format: (v: number) => string): string {
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const y = r1(H - PAD.bottom - f * (H - PAD.top - PAD.bottom));
    return (
      `<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y}" y2="${y}" stroke="#ddd"/>` +
      `<text x="${PAD.left - 6}" y="${y + 4}" font-size="10" text-anchor="end">${esc(format(top * f))}</text>`
    );
  });
  return ticks.join('');
}

/**
 * Vertical bars, one group per label; `stacked` piles the series. A value of 0 still draws a
 * (zero-height) mark, so the marks count the data points.
 */
export function barChart(o: {
  id: string;
  title: string;
  labels: string[];
  series: Series[];
  stacked?: boolean;
  format: (v: number) => string;
  /** Points drawn on top of the bars (e.g. what was forecast), joined by a line. */
  line?: LineSeries;
}): string {
  const totals = o.labels.map((_, i) =>
    o.stacked
      ? o.series.reduce((s, x) => s + Math.max(0, x.values[i] ?? 0), 0)
      : Math.max(...o.series.map((x) => x.values[i] ?? 0)),
  );
  const top = niceMax(Math.max(0, ...totals, ...(o.line?.values.filter((v): v is number => v !== null) ?? [])));
  const plotH = H - PAD.top - PAD.bottom;
  const slot = (W - PAD.left - PAD.right) / Math.max(1, o.labels.length);
  const barW = o.stacked ? slot * 0.7 : (slot * 0.8) / Math.max(1, o.series.length);
  const y = (v: number) => H - PAD.bottom - (Math.max(0, v) / top) * plotH;
  const marks: string[] = [];
  o.labels.forEach((label, i) => {
    let base = 0;
    o.series.forEach((s, k) => {
      const v = Math.max(0, s.values[i] ?? 0);
      const x = PAD.left + i * slot + (o.stacked ? slot * 0.15 : slot * 0.1 + k * barW);
      const top = o.stacked ? base + v : v;
      const bottom = o.stacked ? base : 0;
      marks.push(
        `<rect data-mark="${esc(s.name)}" x="${r1(x)}" y="${r1(y(top))}" width="${r1(barW)}" height="${r1(y(bottom) - y(top))}" fill="${s.color}">` +
          `<title>${esc(label)} · ${esc(s.name)}: ${esc(o.format(s.values[i] ?? 0))}</title></rect>`,
      );
      if (o.stacked) base += v;
    });
    marks.push(
      `<text x="${r1(PAD.left + i * slot + slot / 2)}" y="${H - PAD.bottom + 14}" font-size="10" text-anchor="middle">${esc(label)}</text>`,
    );
  });
  let line = '';
  if (o.line) {
    const points = o.line.values
      .map((v, i) => (v === null ? null : { x: r1(PAD.left + i * slot + slot / 2), y: r1(y(v)), v }))
      .filter((p): p is { x: number; y: number; v: number } => p !== null);
    if (points.length > 1) {
      line += `<polyline fill="none" stroke="${o.line.color}" stroke-width="2" points="${points.map((p) => `${p.x},${p.y}`).join(' ')}"/>`;
    }
    line += points
      .map(
        (p) =>
          `<circle data-mark="${esc(o.line!.name)}" cx="${p.x}" cy="${p.y}" r="4" fill="${o.line!.color}"><title>${esc(o.line!.name)}: ${esc(o.format(p.v))}</title></circle>`,
      )
      .join('');
  }
  return (
    `<svg data-chart="${esc(o.id)}" role="img" aria-label="${esc(o.title)}" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">` +
    `<text x="${PAD.left}" y="16" font-size="13" font-weight="bold">${esc(o.title)}</text>` +
    axis(top, o.format) +
    marks.join('') +
    line +
    legend(o.line ? [...o.series, { ...o.line, values: [] }] : o.series) +
    `</svg>`
  );
}

/** A matrix of rates 0..1 as shaded cells (rows: from, columns: to); an undefined rate is hatched grey. */
export function heatmap(o: {
  id: string;
  title: string;
  rows: string[];
  columns: string[];
  value: (row: string, column: string) => number | null;
}): string {
  const cell = 56;
  const left = 90;
  const top = 50;
  const w = left + cell * o.columns.length + 16;
  const h = top + cell * o.rows.length + 16;
  const cells: string[] = [];
  o.columns.forEach((c, j) =>
    cells.push(
      `<text x="${left + j * cell + cell / 2}" y="${top - 8}" font-size="10" text-anchor="middle">${esc(c)}</text>`,
    ),
  );
  o.rows.forEach((r, i) => {
    cells.push(
      `<text x="${left - 6}" y="${top + i * cell + cell / 2 + 4}" font-size="10" text-anchor="end">${esc(r)}</text>`,
    );
    o.columns.forEach((c, j) => {
      const v = o.value(r, c);
      const label = v === null ? '–' : `${Math.round(v * 100)}%`;
      cells.push(
        `<rect data-mark="${esc(r)}→${esc(c)}" x="${left + j * cell}" y="${top + i * cell}" width="${cell - 2}" height="${cell - 2}" ` +
          `fill="${v === null ? '#eee' : '#1f77b4'}" fill-opacity="${v === null ? 1 : r1(0.08 + 0.92 * v)}"><title>${esc(r)} → ${esc(c)}: ${label}</title></rect>` +
          `<text x="${left + j * cell + cell / 2 - 1}" y="${top + i * cell + cell / 2 + 3}" font-size="11" text-anchor="middle" fill="${v !== null && v > 0.5 ? '#fff' : '#000'}">${label}</text>`,
      );
    });
  });
  return (
    `<svg data-chart="${esc(o.id)}" role="img" aria-label="${esc(o.title)}" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" xmlns="http://www.w3.org/2000/svg" font-family="sans-serif">` +
    `<text x="8" y="16" font-size="13" font-weight="bold">${esc(o.title)}</text>` +
    `<text x="8" y="32" font-size="10">rows: bucket at the start · columns: bucket at the end</text>` +
    cells.join('') +
    `</svg>`
  );
}
