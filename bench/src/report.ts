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

/** What a closed loop of callers saw: every call's latency (sorted), and the loop's own CPU. */
export interface ClosedLoopRun {
  latencies: number[];
  calls: number;
  seconds: number;
  rate: number;
  p50: number;
  p99: number;
  /** This process's CPU (user + system) while the loop ran: the callers' cost. */
  cpuMs: number;
}

/**
 * `workers` callers for `seconds`, each sending its next call when the last is answered (so
 * `workers` calls are always in flight); `call` gets the caller's number and a call counter.
 */
export async function closedLoop(
  workers: number,
  seconds: number,
  call: (worker: number, i: number) => Promise<unknown>,
): Promise<ClosedLoopRun> {
  const latencies: number[] = [];
  let calls = 0;
  const cpuBefore = process.cpuUsage();
  const start = Date.now();
  const end = start + seconds * 1000;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      while (Date.now() < end) {
        const t = process.hrtime.bigint();
        await call(w, calls++);
        latencies.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const elapsed = (Date.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    latencies,
    calls: latencies.length,
    seconds: elapsed,
    rate: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
}
