import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BrowserContext, chromium } from 'playwright-core';
import { ForecastSnapshotScheduler } from '../src/forecast/usecases/take-forecast-snapshots.usecase';
import { forecastEvents } from './support/forecast-events';
import { ReadModel } from './support/read-model';

/** Debian's chromium (`apt-get install -y chromium`; .ci/run installs it), or CHROMIUM_PATH. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHARTS = ['recovery', 'collections', 'aging', 'roll-rates', 'forecast', 'forecast-vs-actual', 'experiment'];

interface DrawnChart {
  id: string;
  width: number;
  height: number;
  marks: number;
  visibleMarks: number;
}

describe('management report in headless Chromium (real PostgreSQL)', () => {
  const { beforeSnapshot, afterSnapshot } = forecastEvents();
  let model: ReadModel;
  let browser: BrowserContext;
  let profile: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`no Chromium at ${CHROMIUM}: apt-get install -y chromium`);
    model = await new ReadModel().start();
    await model.deliver(beforeSnapshot);
    model.sut.clock.set(new Date('2026-02-22T12:00:00Z'));
    await model.sut.app.app.get(ForecastSnapshotScheduler).tick();
    await model.deliver(afterSnapshot);
    model.sut.clock.set(new Date('2026-04-01T08:00:00Z'));
    profile = mkdtempSync(join(tmpdir(), 'reporting-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await model?.close();
  });

  const reportUrl = () => `${model.sut.app.httpUrl}/v1/reporting/report.html?from=2026-02-01&to=2026-03-31`;

  it('draws every chart with its data marks, on screen and when printed to PDF', async () => {
    const page = await browser.newPage();
    await page.setExtraHTTPHeaders({ 'x-api-key': model.sut.apiKey });
    const requests: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    const response = await page.goto(reportUrl());
    expect(response?.status()).toBe(200);
    expect(await page.title()).toBe('Collections management report 2026-02-01 to 2026-03-31');

    const drawn = async () =>
      page.$$eval('svg[data-chart]', (svgs) =>
        svgs.map((svg) => {
          const box = svg.getBoundingClientRect();
          const marks = [...svg.querySelectorAll('[data-mark]')].map((m) => m.getBoundingClientRect());
          return {
            id: svg.getAttribute('data-chart') ?? '',
            width: box.width,
            height: box.height,
            marks: marks.length,
            visibleMarks: marks.filter((b) => b.width > 0 && b.height > 0).length,
          };
        }),
      );
    const check = (charts: DrawnChart[]) => {
      expect(charts.map((c) => c.id).sort()).toEqual([...CHARTS].sort());
      for (const c of charts) {
        expect({ id: c.id, drawn: c.width > 0 && c.height > 0, hasVisibleMarks: c.visibleMarks > 0 }).toEqual({
          id: c.id,
          drawn: true,
          hasVisibleMarks: true,
        });
      }
    };
    const onScreen = await drawn();
    check(onScreen);
    const byId = new Map(onScreen.map((c) => [c.id, c]));
    expect(byId.get('forecast')!.marks).toBe(24); // 12 weeks × (plans, scores)
    expect(byId.get('roll-rates')!.marks).toBe(9); // current, 1-30, 31-60 squared
    expect(byId.get('forecast-vs-actual')!.marks).toBeGreaterThan(8); // 8 closed weeks + the kept forecast

    // What the charts say: the kept forecast of the week of 02-23 and the recovery of C and D.
    const text = await page.locator('body').innerText();
    expect(text).toContain('2026-02-23 – 2026-03-01');
    expect(text).toMatch(/recovery_rate\s+21\.4%/); // (50.00 + 100.00) ÷ (500.00 + 200.00)

    await page.emulateMedia({ media: 'print' });
    check(await drawn());
    const pdf = await page.pdf({ format: 'A4', printBackground: true });
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(requests.every((u) => u.startsWith(model.sut.app.httpUrl))).toBe(true); // nothing from elsewhere
    await page.close();
  });

  it("is served only to a tenant's key, and shows only that tenant's portfolio", async () => {
    expect((await fetch(reportUrl())).status).toBe(401);
    const other = await fetch(reportUrl(), { headers: { 'x-api-key': model.sut.otherApiKey } });
    expect(other.status).toBe(200);
    expect(await other.text()).toContain('0 accounts placed in the period');
  });
});
