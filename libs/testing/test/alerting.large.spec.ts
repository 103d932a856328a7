import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { Topic } from '@collections/contracts';
import { MetricsRegistry } from '@collections/platform';
import { backboneMetrics, jobRunMetrics } from '@collections/runtime';
import {
  RunningAlertmanager,
  RunningProcess,
  RunningPrometheus,
  amtoolBinary,
  startAlertmanager,
  startListeningScript,
  startPrometheus,
  waitFor,
} from '../src';

/*
 * Alerts reach someone: the project's Alertmanager config (deploy/alertmanager) checked by amtool,
 * then a real Prometheus running the project's alert rules over metrics this test serves, sending
 * to a real Alertmanager running the project's routes, groups and inhibitions, whose receivers
 * point at a real SMTP server (the orchestrator's test one) and at an on-call webhook served here.
 */

const REPO = join(__dirname, '..', '..', '..');
const ALERTMANAGER_YML = join(REPO, 'deploy', 'alertmanager', 'alertmanager.yml');
const PROMETHEUS = join(REPO, 'deploy', 'prometheus');
const RULES = join(PROMETHEUS, 'rules');
const SMTP_SERVER = join(REPO, 'services', 'orchestrator', 'test', 'support', 'smtp-server.mjs');

interface Route {
  receiver?: string;
  group_wait?: string;
  group_interval?: string;
  routes?: Route[];
}
interface EmailConfig {
  to: string;
  smarthost?: string;
  require_tls?: boolean;
}
interface AlertmanagerYml {
  global?: { smtp_from?: string; [key: string]: unknown };
  route: Route;
  receivers: { name: string; email_configs?: EmailConfig[]; webhook_configs?: { url: string }[] }[];
}
interface StaticConfig {
  targets: string[];
  labels?: Record<string, string>;
}
interface PrometheusYml {
  global?: Record<string, unknown>;
  alerting?: { alertmanagers?: { static_configs?: StaticConfig[] }[] };
  scrape_configs: { job_name: string; static_configs?: StaticConfig[] }[];
}
interface AlertRule {
  alert?: string;
  for?: string;
  labels?: Record<string, string>;
}
interface RuleFile {
  groups: { name: string; rules: AlertRule[] }[];
}

const read = <T>(path: string): T => parse(readFileSync(path, 'utf8')) as T;
const ruleFiles = () => readdirSync(RULES).filter((f) => f.endsWith('.rules.yml'));
const alertRules = () =>
  ruleFiles().flatMap((f) => read<RuleFile>(join(RULES, f)).groups.flatMap((g) => g.rules.filter((r) => r.alert)));

function amtool(...args: string[]): { status: number | null; stdout: string; output: string } {
  const r = spawnSync(amtoolBinary(), args, { encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, output: `${r.stdout}${r.stderr}` };
}

/**
 * The project's Alertmanager config with its receivers pointed at the test's SMTP server (no TLS:
 * it offers none) and webhook, and each route's waits cut to a second. Routes, matchers, grouping
 * and inhibitions stay the project's own.
 */
function alertmanagerConfigFor(endpoints: { smtp: string; webhook: string }): string {
  const config = read<AlertmanagerYml>(ALERTMANAGER_YML);
  config.global = { ...config.global, smtp_smarthost: endpoints.smtp, smtp_require_tls: false };
  const shorten = (route: Route) => {
    if (route.group_wait !== undefined) route.group_wait = '1s';
    if (route.group_interval !== undefined) route.group_interval = '1s';
    for (const child of route.routes ?? []) shorten(child);
  };
  shorten(config.route);
  for (const receiver of config.receivers) {
    for (const email of receiver.email_configs ?? []) {
      if (email.smarthost !== undefined) email.smarthost = endpoints.smtp;
      email.require_tls = false;
    }
    for (const webhook of receiver.webhook_configs ?? []) webhook.url = endpoints.webhook;
  }
  return stringify(config);
}

/**
 * The project's host Prometheus config (prometheus.local.yml) with its Alertmanager targets
 * replaced by the test's, each service's scrape targets by the test's for that service (found by
 * the target's `service` label; services the test does not serve are dropped), and a 1 s scrape
 * and evaluation interval. The rule files are the project's, each alert without its `for`: it
 * fires at its first evaluation instead of minutes later.
 */
function prometheusConfigFor(
  targets: Record<string, string[]>,
  alertmanager: string,
): { config: string; files: Record<string, string> } {
  const config = read<PrometheusYml>(join(PROMETHEUS, 'prometheus.local.yml'));
  config.global = { ...config.global, scrape_interval: '1s', evaluation_interval: '1s' };
  if (config.alerting)
    config.alerting.alertmanagers = (config.alerting.alertmanagers ?? []).map((am) => ({
      ...am,
      static_configs: [{ targets: [alertmanager] }],
    }));
  config.scrape_configs = config.scrape_configs
    .map((job) => ({
      ...job,
      static_configs: (job.static_configs ?? [])
        .filter((sc) => targets[sc.labels?.service ?? ''])
        .map((sc) => ({ ...sc, targets: targets[sc.labels?.service ?? ''] })),
    }))
    .filter((job) => job.static_configs.length > 0);
  const files: Record<string, string> = {};
  for (const file of ruleFiles()) {
    const rules = read<RuleFile>(join(RULES, file));
    for (const group of rules.groups) for (const rule of group.rules) delete rule.for;
    files[join('rules', file)] = stringify(rules);
  }
  return { config: stringify(config), files };
}

/** A service's /metrics from the platform's own registry; answers 503 (a target down) while `down`. */
interface MetricsTarget {
  metrics: MetricsRegistry;
  address: string;
  down: boolean;
  close(): Promise<void>;
}

async function startMetricsTarget(service: string, down = false): Promise<MetricsTarget> {
  const target = { metrics: new MetricsRegistry(service), down } as MetricsTarget;
  const server: Server = createServer((req, res) => {
    if (target.down || req.url !== '/metrics') {
      res.writeHead(target.down ? 503 : 404).end();
      return;
    }
    target.metrics.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': target.metrics.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  target.address = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  target.close = () => new Promise<void>((resolve) => server.close(() => resolve()));
  return target;
}

/** The job's last success, as the clock's jobs stamp it (libs/runtime jobRunMetrics), `hoursAgo` ago. */
function jobLastSucceeded(target: MetricsTarget, jobName: string, hoursAgo: number): void {
  jobRunMetrics(target.metrics, jobName);
  target.metrics
    .gauge({
      name: 'collections_job_last_success_timestamp_seconds',
      help: 'registered by jobRunMetrics',
      labelNames: ['job_name'],
    })
    .set({ job_name: jobName }, Date.now() / 1000 - hoursAgo * 3600);
}

/** Alertmanager's webhook body (https://prometheus.io/docs/alerting/latest/configuration/#webhook_config). */
interface WebhookMessage {
  version: string;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  alerts: {
    status: 'firing' | 'resolved';
    labels: Record<string, string>;
    annotations: Record<string, string>;
    fingerprint: string;
  }[];
}

interface ReceivedMail {
  from: string;
  to: string[];
  headers: Record<string, string>;
  body: string;
}

/** The text of Alertmanager's e-mail: quoted-printable and HTML entities undone, tags dropped. */
function mailText(body: string): string {
  return body
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)))
    .replace(/<[^>]*>/g, ' ')
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

describe('Alertmanager configuration (amtool)', () => {
  const config = read<AlertmanagerYml>(ALERTMANAGER_YML);

  it('deploy/alertmanager/alertmanager.yml is valid', () => {
    const r = amtool('check-config', ALERTMANAGER_YML);
    expect({ status: r.status, output: r.output }).toEqual({ status: 0, output: expect.stringMatching(/SUCCESS/) });
  });

  it('pages on-call for every critical alert rule and e-mails the team every other one', () => {
    const routed = alertRules().map((rule) => {
      const labels = Object.entries({ ...rule.labels, alertname: rule.alert }).map(([k, v]) => `${k}=${v}`);
      const r = amtool('config', 'routes', 'test', `--config.file=${ALERTMANAGER_YML}`, ...labels);
      return { alert: rule.alert, severity: rule.labels?.severity, receiver: r.stdout.trim() };
    });
    expect(routed.length).toBeGreaterThan(10);
    expect(routed).toEqual(
      routed.map(({ alert, severity }) => ({
        alert,
        severity,
        receiver: severity === 'critical' ? 'on-call' : 'team-email',
      })),
    );
    expect(config.receivers.map((r) => r.name).sort()).toEqual(['on-call', 'team-email']);
  });

  it('is where both Prometheus configs send alerts, and docker compose runs it', () => {
    const compose = read<{ services: Record<string, { image?: string; volumes?: string[]; ports?: string[] }> }>(
      join(REPO, 'docker-compose.yml'),
    );
    const amTargets = (file: string) =>
      (read<PrometheusYml>(join(PROMETHEUS, file)).alerting?.alertmanagers ?? []).flatMap((am) =>
        (am.static_configs ?? []).flatMap((sc) => sc.targets),
      );
    const am = compose.services.alertmanager;
    expect({
      image: am?.image,
      volumes: am?.volumes,
      ports: am?.ports,
      prometheus: amTargets('prometheus.yml'),
      local: amTargets('prometheus.local.yml'),
    }).toEqual({
      image: expect.stringMatching(/^prom\/alertmanager:v\d/),
      volumes: ['./deploy/alertmanager/alertmanager.yml:/etc/alertmanager/alertmanager.yml:ro'],
      // The container's 9093 on the host's 9095, where prometheus.local.yml looks for it.
      ports: ['9095:9093'],
      prometheus: ['alertmanager:9093'],
      local: ['127.0.0.1:9095'],
    });
  });

  it('labels every scrape target with its service, so a target down holds back that service’s other alerts', () => {
    const unlabelled = ['prometheus.yml', 'prometheus.local.yml'].flatMap((file) =>
      read<PrometheusYml>(join(PROMETHEUS, file)).scrape_configs.flatMap((job) =>
        (job.static_configs ?? []).filter((sc) => !sc.labels?.service).map((sc) => `${file}: ${sc.targets.join(', ')}`),
      ),
    );
    expect(unlabelled).toEqual([]);
  });
});

describe('Alerts reach someone: Prometheus rules through Alertmanager to e-mail and on-call', () => {
  const team = read<AlertmanagerYml>(ALERTMANAGER_YML).receivers.find((r) => r.name === 'team-email')
    ?.email_configs?.[0]?.to;
  const pages: WebhookMessage[] = [];
  let webhook: Server;
  let smtp: RunningProcess;
  let mailbox: string;
  let alertmanager: RunningAlertmanager;
  let prometheus: RunningPrometheus;
  let ledger: MetricsTarget;
  let scoringDown: MetricsTarget;
  let scoringReplica: MetricsTarget;
  let promises: MetricsTarget;

  const received = (): ReceivedMail[] =>
    existsSync(mailbox)
      ? readFileSync(mailbox, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => JSON.parse(l) as ReceivedMail)
      : [];
  const paged = (labels: Record<string, string>) =>
    pages.filter((p) => p.alerts.some((a) => Object.entries(labels).every(([k, v]) => a.labels[k] === v)));

  beforeAll(async () => {
    mailbox = join(mkdtempSync(join(tmpdir(), 'alert-mail-')), 'received.jsonl');
    const started = await startListeningScript('smtp-server', SMTP_SERVER, { SMTP_OUT: mailbox });
    smtp = started.proc;
    webhook = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        pages.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookMessage);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, '127.0.0.1', resolve));

    alertmanager = await startAlertmanager({
      config: alertmanagerConfigFor({
        smtp: `127.0.0.1:${started.port}`,
        webhook: `http://127.0.0.1:${(webhook.address() as AddressInfo).port}/alerts`,
      }),
    });
    ledger = await startMetricsTarget('ledger');
    // One scoring replica does not answer from the start; the other does.
    scoringDown = await startMetricsTarget('scoring', true);
    scoringReplica = await startMetricsTarget('scoring');
    promises = await startMetricsTarget('promises');
    prometheus = await startPrometheus(
      prometheusConfigFor(
        {
          ledger: [ledger.address],
          scoring: [scoringDown.address, scoringReplica.address],
          promises: [promises.address],
        },
        alertmanager.address,
      ),
    );
  });

  afterAll(async () => {
    await prometheus?.stop();
    await alertmanager?.stop();
    await Promise.all([ledger, scoringDown, scoringReplica, promises].map((t) => t?.close()));
    await new Promise<void>((resolve) => (webhook ? webhook.close(() => resolve()) : resolve()));
    await smtp?.stop(5_000);
  });

  it('e-mails the team an alert that is not a page, with its name and summary', async () => {
    backboneMetrics(ledger.metrics, 'ledger').onDeadLetter?.({
      reason: 'handler_failed',
      topic: Topic.LedgerAccount,
    });
    const mail = await waitFor(
      () => received().find((m) => (m.headers.subject ?? '').includes('CollectionsEventsDeadLettered')),
      { timeoutMs: 90_000, message: 'the dead-letter alert e-mailed to the team' },
    );
    expect({
      from: mail.from,
      to: mail.to,
      subject: mail.headers.subject,
      summary: mailText(mail.body).includes(`ledger dead-lettered events of ${Topic.LedgerAccount} (handler_failed)`),
    }).toEqual({
      from: read<AlertmanagerYml>(ALERTMANAGER_YML).global?.smtp_from,
      to: [team],
      subject: expect.stringMatching(/^\[FIRING:1\] CollectionsEventsDeadLettered /),
      summary: true,
    });
  });

  it('pages on-call for a critical alert with Alertmanager’s webhook JSON', async () => {
    jobLastSucceeded(ledger, 'daily delinquency run', 27);
    const page = await waitFor(() => paged({ alertname: 'CollectionsJobNotSucceeding', service: 'ledger' })[0], {
      timeoutMs: 90_000,
      message: 'the job alert paged to on-call',
    });
    expect(page).toMatchObject({
      version: '4',
      status: 'firing',
      receiver: 'on-call',
      groupLabels: { alertname: 'CollectionsJobNotSucceeding', service: 'ledger' },
      alerts: [
        {
          status: 'firing',
          labels: {
            alertname: 'CollectionsJobNotSucceeding',
            severity: 'critical',
            service: 'ledger',
            job_name: 'daily delinquency run',
          },
          annotations: { summary: 'daily delinquency run (ledger) has not succeeded for more than 26 hours' },
        },
      ],
    });
  });

  it('holds back the other alerts of a service while its target is down, and pages the outage', async () => {
    // The target-down alert itself is a page.
    await waitFor(() => paged({ alertname: 'CollectionsTargetDown', service: 'scoring' }).length > 0, {
      timeoutMs: 90_000,
      message: 'the scoring target-down alert paged to on-call',
    });
    // A critical alert of scoring (from its replica that answers) reaches Alertmanager, inhibited.
    jobLastSucceeded(scoringReplica, 'forecast snapshot', 27);
    const held = await waitFor(
      async () =>
        (await alertmanager.alerts({ alertname: 'CollectionsJobNotSucceeding', service: 'scoring' })).find(
          (a) => a.status.state !== 'unprocessed',
        ),
      { timeoutMs: 90_000, message: 'the scoring job alert in Alertmanager' },
    );
    // The same alert of another service, once scoring's has been grouped: its page is sent after
    // scoring's group was due, so scoring's would have been sent by then.
    jobLastSucceeded(promises, 'daily plan run', 27);
    await waitFor(() => paged({ alertname: 'CollectionsJobNotSucceeding', service: 'promises' }).length > 0, {
      timeoutMs: 90_000,
      message: 'the promises job alert paged to on-call',
    });
    expect({
      state: held.status.state,
      inhibited: held.status.inhibitedBy.length > 0,
      pagedForScoring: paged({ alertname: 'CollectionsJobNotSucceeding', service: 'scoring' }).length,
    }).toEqual({ state: 'suppressed', inhibited: true, pagedForScoring: 0 });
  });
});
