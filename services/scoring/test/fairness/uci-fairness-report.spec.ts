import { readFileSync } from 'node:fs';
import { CreditRiskModel, parseUciCsv } from '../../src/model';
import { DEFAULT_UCI_TRAINING_FILE } from '../../src/model/cli/cli-arguments';
import { fairnessTable, uciFairnessReport } from '../../src/fairness/uci-fairness-report';
import { loadProductionModel } from '../../src/scores/feature-store.consumer';

/** The first 400 clients of the project's training file. */
const CSV = readFileSync(DEFAULT_UCI_TRAINING_FILE, 'utf8').split('\n').slice(0, 401).join('\n');

describe(uciFairnessReport.name, () => {
  let model: CreditRiskModel;
  beforeAll(() => {
    model = loadProductionModel().model;
  });

  it('groups the production model’s decisions by the protected columns joined on ID', () => {
    const sut = uciFairnessReport(CSV, model);

    expect(sut.rows).toBe(400);
    expect(sut.attributes.map((a) => a.attribute)).toEqual(['sex', 'marital_status', 'age_band']);
    for (const attribute of sut.attributes) {
      expect(attribute.groups.reduce((n, g) => n + g.n, 0)).toBe(400);
    }
    // an independent count: women among the first 400 rows, and how many of them score >= 0.8
    const header = CSV.split('\n')[0].split(',');
    const sexColumn = header.indexOf('X2');
    const accounts = parseUciCsv(CSV);
    const women = CSV.split('\n')
      .slice(1)
      .map((line, i) => ({ sex: line.split(',')[sexColumn], history: accounts[i].history }))
      .filter((r) => r.sex === '2');
    const womenSelfCure = women.filter((w) => model.score(w.history).probabilityToPay >= 0.8).length;
    const female = sut.attributes[0].groups.find((g) => g.group === 'female');
    expect(female?.n).toBe(women.length);
    expect(female?.favourableRate).toBeCloseTo(womenSelfCure / women.length, 12);
  });

  it('takes a different favourable threshold and prints a readable table', () => {
    const strict = uciFairnessReport(CSV, model);
    const lenient = uciFairnessReport(CSV, model, { favourableFrom: 0.5 });

    for (const [i, attribute] of lenient.attributes.entries()) {
      attribute.groups.forEach((g, j) =>
        expect(g.favourableRate).toBeGreaterThanOrEqual(strict.attributes[i].groups[j].favourableRate),
      );
    }
    const table = fairnessTable(strict.attributes);
    expect(table).toMatch(/^sex: most favoured (female|male), min DI \d\.\d{3}/m);
    expect(table).toMatch(/^female\s+\d+\s+\d+\.\d%/m);
  });
});
