/** One benchmark figure beside the raw engine's figure for the same work in the same run. */
export interface BenchLine {
  bench: string;
  metric: string;
  value: number;
  unit: string;
  baseline: string;
  baselineValue: number;
  ratio: number;
  [extra: string]: unknown;
}

export function report(
  line: Omit<BenchLine, 'ratio'> & { value: number; baselineValue: number; ratio?: number },
): void {
  const ratio = line.ratio ?? (line.baselineValue === 0 ? 0 : line.value / line.baselineValue);
  process.stdout.write(`${JSON.stringify({ ...line, ratio: Number(ratio.toFixed(3)) })}\n`);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function progress(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}
