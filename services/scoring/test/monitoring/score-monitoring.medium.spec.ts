import { readFileSync } from 'node:fs';
import { EventPayload, EventType, ledger, scoring } from '@collections/contracts';
import { EventHandlers } from '@collections/messaging';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { ServiceUnderTest, startServiceUnderTest } from '@collections/testing';
import { FeatureExtractor } from '../../src/model';
import { referenceFileOf } from '../../src/monitoring/reference-file';
import { PRODUCTION_MODEL_FILE, loadProductionModel } from '../../src/scores/feature-store.consumer';
import { StoredCycle, toAccountHistory } from '../../src/scores/domain/account-history';
import { scoringHandlers, scoringService } from '../../src/scoring.service';
import { handleLedgerEvent } from '../support/ledger-events';

interface ReferenceFile {
  features: { name: string; cuts: number[]; proportions: number[] }[];
  score: { cuts: number[]; proportions: number[] };
}

/** Deterministic pseudo-random numbers in [0, 1), so the population is the same on every run. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1_664_525) + 1_013_904_223) >>> 0;
    return state / 2 ** 32;
  };
}

/** Written out here, apart from the service's code: PSI over shares, empty shares raised to 1e-4. */
function expectedPsi(proportions: number[], liveCounts: number[]): number {
  const total = liveCounts.reduce((a, b) => a + b, 0);
  return proportions.reduce((psi, r, b) => {
    const ref = Math.max(r, 1e-4);
    const live = Math.max(liveCounts[b] / total, 1e-4);
    return psi + (live - ref) * Math.log(live / ref);
  }, 0);
}

function expectedAuc(labels: number[], probabilitiesOfDefault: number[]): number {
  let wins = 0;
  let pairs = 0;
  labels.forEach((yi, i) =>
    labels.forEach((yj, j) => {
      if (yi === 1 && yj === 0) {
        pairs++;
        wins +=
          probabilitiesOfDefault[i] > probabilitiesOfDefault[j]
            ? 1
            : probabilitiesOfDefault[i] === probabilitiesOfDefault[j]
              ? 0.5
              : 0;
      }
    }),
  );
  return wins / pairs;
}

function expectedCalibrationError(labels: number[], probabilitiesOfDefault: number[]): number {
  let error = 0;
  for (let b = 0; b < 10; b++) {
    const inBin = probabilitiesOfDefault
      .map((p, i) => ({ p, y: labels[i] }))
      .filter(({ p }) => Math.min(Math.floor(p * 10), 9) === b);
    if (inBin.length === 0) continue;
    const meanP = inBin.reduce((s, r) => s + r.p, 0) / inBin.length;
    const rate = inBin.reduce((s, r) => s + r.y, 0) / inBin.length;
    error += (inBin.length / labels.length) * Math.abs(meanP - rate);
  }
  return error;
}

/** `name{labels} value` lines of a Prometheus exposition, as label maps and numbers. */
function samples(exposition: string, name: string): { labels: Record<string, string>; value: number }[] {
  return exposition
    .split('\n')
    .filter((line) => line.startsWith(`${name}{`))
    .map((line) => {
      const match = /^[a-z_]+\{(.*)\} (\S+)$/.exec(line);
      if (!match) throw new Error(`unreadable sample ${line}`);
      const labels = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      return { labels, value: Number(match[2]) };
    });
}

const MONTHS = ['2026-01', '2026-02', '2026-03', '2026-04', '2026-05', '2026-06'];
const ACCOUNTS = 40;
const USD = (amountMinor: number) => ({ amountMinor, currency: 'USD' });

describe('scoring monitoring: stability and matured outcomes on the metrics endpoint (real PostgreSQL)', () => {
  let sut: ServiceUnderTest;
  let handlers: EventHandlers;
  let client: ReturnType<typeof grpcClient<typeof scoring.ScoringServiceService>>;
  let eventCount = 0;
  const version = loadProductionModel().version;
  const reference = JSON.parse(readFileSync(referenceFileOf(PRODUCTION_MODEL_FILE), 'utf8')) as ReferenceFile;

  beforeAll(async () => {
    sut = await startServiceUnderTest(scoringService, new Date('2026-07-15T00:00:00Z'));
    handlers = scoringHandlers(sut.context);
    client = grpcClient(scoring.ScoringServiceService, sut.app.grpcAddress);
  });
  afterAll(async () => {
    client.close();
    await sut.close();
  });

  /** Delivers one ledger event to the service's consumer handlers, in a transaction as the consumer would. */
  const deliver = <T extends EventType>(type: T, key: string, time: Date, payload: EventPayload<T>) => {
    eventCount += 1;
    return handleLedgerEvent(sut, handlers, type, payload, key, {
      time,
      id: `event-${eventCount}`,
      offset: String(eventCount),
    });
  };

  const scoreOf = async (accountId: string) =>
    (await client.scoreAccount({ accountId }, metadataFromPrincipalHeaders({ apiKey: sut.apiKey }))).probabilityToPay;

  it('exports PSI per feature and for the score, AUC and calibration error that match an independent computation', async () => {
    const rnd = random(20_260_715);
    const extractor = new FeatureExtractor();
    const finalFeatures: Float64Array[] = [];
    const finalScores: number[] = [];
    /** Statement-time scores and outcomes whose window ends within the 90 days before 2026-07-15. */
    const matured: { probabilityToPay: number; defaulted: number }[] = [];

    for (let a = 0; a < ACCOUNTS; a++) {
      const accountId = `acct-${a}`;
      const limit = (2 + Math.floor(rnd() * 20)) * 1_000_000; // 20.000,00 .. 210.000,00
      const reliability = rnd(); // how likely this account pays its minimum
      await deliver('collections.ledger.v1.AccountOpened', accountId, new Date('2025-12-20T00:00:00Z'), {
        accountId,
        externalRef: `crm-${a}`,
        product: ledger.Product.PRODUCT_CREDIT_CARD,
        currency: 'USD',
        creditLimitMinor: limit,
        openedOn: '2025-12-20',
        debtors: [],
        timeZone: 'UTC',
      });
      const cycles: StoredCycle[] = [];
      const paidByMonth = new Map<string, number>();
      for (const [cycle, month] of MONTHS.entries()) {
        const bill = Math.floor(limit * (0.1 + rnd() * 0.9));
        const minimumDue = Math.floor(bill / 10);
        const issuedAt = new Date(`${month}-01T00:00:00Z`);
        const status = Math.floor(rnd() * 4) - 1; // -1..2
        await deliver('collections.ledger.v1.StatementIssued', accountId, issuedAt, {
          accountId,
          cycle: cycle + 1,
          statementDate: `${month}-01`,
          dueDate: `${month}-25`,
          amountDue: USD(bill),
          minimumDue: USD(minimumDue),
          hasReportedStatus: true,
          reportedStatus: status,
        });
        cycles.push({ statementMonth: month, bill: bill / 100, reportedStatus: status });
        const scoreAtStatement = await scoreOf(accountId);
        // pays the minimum, part of it or nothing, on the 15th, inside the 30-day window
        const draw = rnd();
        const paid =
          draw < reliability
            ? minimumDue + Math.floor(rnd() * bill * 0.5)
            : draw < 0.9
              ? Math.floor(minimumDue / 2)
              : 0;
        if (paid > 0) {
          await deliver('collections.ledger.v1.PaymentPosted', accountId, new Date(`${month}-15T00:00:00Z`), {
            paymentId: `pay-${a}-${cycle}`,
            accountId,
            amount: USD(paid),
            postedAt: new Date(`${month}-15T12:00:00Z`),
            reference: 'test',
            effectiveDate: '',
          });
          paidByMonth.set(month, paid / 100);
        }
        // every fifth account's May payment bounces: it no longer counts as paying that statement
        const bounced = paid > 0 && a % 5 === 0 && month === '2026-05';
        if (bounced) {
          await deliver('collections.ledger.v1.PaymentReversed', accountId, new Date('2026-06-20T00:00:00Z'), {
            entryId: `reversal-${a}`,
            paymentId: `pay-${a}-${cycle}`,
            accountId,
            amount: USD(paid),
            reason: 'NSF',
          });
        }
        // window (t, t + 30 days] ends on the 1st of the next month or the 31st: inside the lookback from April on
        const kept = bounced ? 0 : paid;
        if (month >= '2026-04')
          matured.push({ probabilityToPay: scoreAtStatement, defaulted: kept >= minimumDue ? 0 : 1 });
      }
      finalFeatures.push(extractor.extract(toAccountHistory(limit / 100, cycles, paidByMonth)).values);
      finalScores.push(await scoreOf(accountId));
    }

    const response = await fetch(`${sut.app.httpUrl}/metrics`);
    expect(response.status).toBe(200);
    const exposition = await response.text();
    const labels = { tenant_id: sut.tenant, model_version: version };
    const one = (name: string) => {
      const found = samples(exposition, name).filter(
        (s) => s.labels.tenant_id === labels.tenant_id && s.labels.model_version === labels.model_version,
      );
      expect(found).toHaveLength(1);
      return found[0].value;
    };

    expect(one('scoring_monitored_accounts')).toBe(ACCOUNTS);
    const psi = samples(exposition, 'scoring_psi');
    expect(psi).toHaveLength(reference.features.length);
    reference.features.forEach((feature, f) => {
      const counts = new Array<number>(feature.proportions.length).fill(0);
      for (const values of finalFeatures) counts[feature.cuts.filter((c) => c <= values[f]).length]++;
      const sample = psi.find((s) => s.labels.feature === feature.name);
      expect(sample?.labels).toMatchObject(labels);
      expect(sample?.value).toBeCloseTo(expectedPsi(feature.proportions, counts), 6);
    });
    const scoreCounts = new Array<number>(reference.score.proportions.length).fill(0);
    for (const p of finalScores) scoreCounts[reference.score.cuts.filter((c) => c <= p).length]++;
    expect(one('scoring_score_psi')).toBeCloseTo(expectedPsi(reference.score.proportions, scoreCounts), 6);

    const outcomeLabels = matured.map((m) => m.defaulted);
    const probabilitiesOfDefault = matured.map((m) => 1 - m.probabilityToPay);
    expect(new Set(outcomeLabels).size).toBe(2);
    expect(one('scoring_matured_outcomes')).toBe(matured.length);
    expect(one('scoring_auc_matured')).toBeCloseTo(expectedAuc(outcomeLabels, probabilitiesOfDefault), 9);
    expect(one('scoring_calibration_error')).toBeCloseTo(
      expectedCalibrationError(outcomeLabels, probabilitiesOfDefault),
      9,
    );
  });

  it('leaves outcomes out until their window has passed', async () => {
    sut.clock.set(new Date('2026-06-20T00:00:00Z'));
    const exposition = await (await fetch(`${sut.app.httpUrl}/metrics`)).text();
    // only statements of March, April and May have a window ended by 2026-06-20, i.e. 3 per account
    const outcomes = samples(exposition, 'scoring_matured_outcomes');
    expect(outcomes.map((s) => s.value)).toEqual([3 * ACCOUNTS]);
  });
});
