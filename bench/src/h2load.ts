import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * h2load (nghttp2's HTTP/2 load generator, Debian package nghttp2-client) as a gRPC caller: a closed
 * loop of `concurrency` streams on one connection, each sending the same pre-framed unary request,
 * one C event loop using a few microseconds of CPU per call. It is to gRPC what ghz is elsewhere:
 * the caller that leaves the machine's cores to the server under test.
 *
 * h2load does not read gRPC's status, which travels in the trailers of an HTTP 200 answer: a run is
 * checked here by volume (the answers' bytes must be a whole number of good answers to this request,
 * as many as the calls done or the few more in flight at the end), and the caller should also check
 * with the server that every call was answered with success.
 */
export function h2loadAvailable(): boolean {
  return spawnSync('h2load', ['--version'], { stdio: 'ignore' }).status === 0;
}

export interface H2loadRun {
  /** Per call, from the request's start to the end of its answer. */
  latenciesMs: number[];
  calls: number;
  seconds: number;
  /** h2load's own CPU (user + system). */
  cpuMs: number;
}

export interface H2loadOptions {
  /** http://host:port/package.Service/Method */
  url: string;
  /** The request as framed on the wire (see H2UnaryClient.frame). */
  framedRequest: Buffer;
  headers: Record<string, string>;
  concurrency: number;
  seconds: number;
  /** Bytes of the framed answer to this request when it succeeds. */
  answerBytes: number;
}

const number = (text: string, pattern: RegExp, what: string): number => {
  const match = pattern.exec(text);
  if (!match) throw new Error(`h2load printed no ${what}:\n${text}`);
  return Number(match[1]);
};

export async function h2load(options: H2loadOptions): Promise<H2loadRun> {
  const dir = mkdtempSync(join(tmpdir(), 'h2load-'));
  try {
    const body = join(dir, 'request.bin');
    const log = join(dir, 'requests.log');
    writeFileSync(body, options.framedRequest);
    const args = [
      ...['-c', '1', '-t', '1', '-m', String(options.concurrency)],
      ...['-D', `${Math.round(options.seconds * 1000)}ms`],
      ...['-d', body, '--log-file', log],
      ...['-H', 'content-type: application/grpc', '-H', 'te: trailers'],
      ...Object.entries(options.headers).flatMap(([name, value]) => (value ? ['-H', `${name}: ${value}`] : [])),
      options.url,
    ];
    // bash's `times` gives the CPU its children used: h2load's own cost per call
    const output = await new Promise<string>((resolve, reject) =>
      execFile(
        'bash',
        ['-c', 'h2load "$@"; status=$?; times; exit $status', 'h2load', ...args],
        { maxBuffer: 1 << 20 },
        (err, stdout, stderr) =>
          err ? reject(new Error(`h2load failed: ${err.message}\n${stderr}`)) : resolve(stdout),
      ),
    );
    const seconds = number(output, /finished in ([\d.]+)s/, 'duration');
    const done = number(output, /(\d+) done/, 'request count');
    const started = number(output, /(\d+) started/, 'started count');
    const succeeded = number(output, /(\d+) succeeded/, 'success count');
    const dataBytes = number(output, /\((\d+)\) data/, 'data volume');
    if (succeeded !== done || done === 0) throw new Error(`h2load: ${done} calls done, ${succeeded} with HTTP 2xx`);
    // the answers in flight when h2load stopped counting arrive too: between `done` and `started` answers
    const answers = dataBytes / options.answerBytes;
    if (!Number.isInteger(answers) || answers < done || answers > started) {
      throw new Error(
        `h2load: ${done} calls done (${started} started) brought ${dataBytes} bytes of answers, ` +
          `not a whole number of ${options.answerBytes}-byte answers between the two: some calls were answered with an error`,
      );
    }
    const [, children] = output.trim().split('\n').slice(-2);
    const [user, system] = children.split(/\s+/).map((t) => {
      const [, minutes, secs] = /(\d+)m([\d.]+)s/.exec(t) ?? ['', '0', '0'];
      return (Number(minutes) * 60 + Number(secs)) * 1000;
    });
    // each line: start (µs since the epoch), HTTP status, µs to the end of the answer
    const latenciesMs = readFileSync(log, 'utf8')
      .trim()
      .split('\n')
      .map((line) => Number(line.split('\t')[2]) / 1000);
    if (latenciesMs.length !== done) throw new Error(`h2load logged ${latenciesMs.length} calls of ${done}`);
    return { latenciesMs, calls: done, seconds, cpuMs: user + system };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
