import { ChildProcess, spawn } from 'node:child_process';
import { WaitAborted, waitFor } from './wait-for';

export interface RunningProcess {
  name: string;
  child: ChildProcess;
  /** Everything the process printed so far (shown when a test fails). */
  output(): string;
  /** SIGTERM, then SIGKILL after the grace period; resolves when it exited. */
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
}

export function startProcess(name: string, command: string, args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (chunk: Buffer) => {
    out = (out + chunk.toString()).slice(-200_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    name,
    child,
    output: () => out,
    stop: async (graceMs = 10_000) => {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    kill: async () => {
      if (!alive()) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits until GET url answers 2xx, failing early (with its output) if the process exits. */
export async function waitForHttp(proc: RunningProcess, url: string, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    async () => {
      if (proc.child.exitCode !== null)
        throw new WaitAborted(`${proc.name} exited with ${proc.child.exitCode}:\n${proc.output().slice(-4000)}`);
      try {
        return (await fetch(url)).ok;
      } catch {
        return false;
      }
    },
    { timeoutMs, intervalMs: 200, message: `${proc.name} answering ${url}` },
  ).catch((err: Error) => {
    throw new Error(`${err.message}\n--- ${proc.name} output ---\n${proc.output().slice(-4000)}`);
  });
}

/**
 * `node <script>`: a stand-in server that prints `LISTENING <port>` once it is up (the SMTP server
 * of the orchestrator's tests and of the e2e day bench). Waits for that line and answers the
 * process and its port; a process that never says it stops again.
 */
export async function startListeningScript(
  name: string,
  script: string,
  env: NodeJS.ProcessEnv,
  timeoutMs = 20_000,
): Promise<{ proc: RunningProcess; port: number }> {
  const proc = startProcess(name, process.execPath, [script], env);
  try {
    const port = await waitFor(() => /LISTENING (\d+)/.exec(proc.output())?.[1], {
      timeoutMs,
      message: `${name} listening`,
    });
    return { proc, port: Number(port) };
  } catch (err) {
    await proc.stop(5_000);
    throw err;
  }
}
