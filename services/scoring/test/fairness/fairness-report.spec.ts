import { FOUR_FIFTHS, ScoredSubject, fairnessReport, quantile } from '../../src/fairness/domain/fairness-report';
import { ageBand, readProtectedGroups, uciProtectedGroup } from '../../src/fairness/domain/uci-protected-groups';

const subject = (sex: string, probabilityToPay: number, defaulted: 0 | 1, age?: string): ScoredSubject => ({
  groups: age === undefined ? { sex } : { sex, age_band: age },
  probabilityToPay,
  favourable: probabilityToPay >= 0.8,
  defaulted,
});

describe(fairnessReport.name, () => {
  /*
   * Hand-computed: women 4, of whom 3 favourable (0.75); men 5, of whom 2 favourable (0.4).
   * Most favoured: female. DI(male) = 0.4 / 0.75 = 0.5333 < 0.8 -> the four-fifths rule is broken.
   */
  const subjects = [
    subject('female', 0.9, 0, '25-34'),
    subject('female', 0.85, 0, '25-34'),
    subject('female', 0.8, 1, '35-44'),
    subject('female', 0.5, 1, '35-44'),
    subject('male', 0.95, 0, '25-34'),
    subject('male', 0.81, 0, '25-34'),
    subject('male', 0.6, 1, '35-44'),
    subject('male', 0.4, 0, '35-44'),
    subject('male', 0.2, 1),
  ];

  it('gives each group its favourable rate, disparate impact ratio and four-fifths flag', () => {
    const [sut] = fairnessReport(subjects, ['sex']);

    expect(sut.attribute).toBe('sex');
    expect(sut.mostFavouredGroup).toBe('female');
    const [female, male] = sut.groups;
    expect(female).toMatchObject({ group: 'female', n: 4, favourableRate: 0.75, disparateImpactRatio: 1 });
    expect(female.belowFourFifths).toBe(false);
    expect(male).toMatchObject({ group: 'male', n: 5, favourableRate: 0.4 });
    expect(male.disparateImpactRatio).toBeCloseTo(0.4 / 0.75, 12);
    expect(male.belowFourFifths).toBe(true);
    expect(sut.minDisparateImpactRatio).toBeCloseTo(0.5333333, 6);
    expect(sut.fourFifthsViolated).toBe(true);
  });

  it('describes score distributions and outcome rates per group', () => {
    const [{ groups }] = fairnessReport(subjects, ['sex']);
    const [female, male] = groups;

    expect(female.share).toBeCloseTo(4 / 9, 12);
    expect(female.meanProbabilityToPay).toBeCloseTo((0.9 + 0.85 + 0.8 + 0.5) / 4, 12);
    expect(female.probabilityToPay.p50).toBeCloseTo(0.825, 12); // between 0.8 and 0.85
    expect(female.defaultRate).toBe(0.5);
    expect(male.defaultRate).toBe(0.4);
    expect(male.probabilityToPay.p50).toBe(0.6);
    expect(male.meanProbabilityOfDefault).toBeCloseTo(1 - (0.95 + 0.81 + 0.6 + 0.4 + 0.2) / 5, 12);
  });

  it('leaves subjects without a group out of that attribute, and passes the rule when treatment is even', () => {
    const [age] = fairnessReport(subjects, ['age_band'], { age_band: ['35-44', '25-34'] });

    expect(age.groups.map((g) => [g.group, g.n])).toEqual([
      ['35-44', 4],
      ['25-34', 4],
    ]);
    // 25-34: all four favourable; 35-44: one of four (0.8) -> DI 0.25
    expect(age.mostFavouredGroup).toBe('25-34');
    expect(age.groups[0].disparateImpactRatio).toBe(0.25);

    const even = fairnessReport([subject('a', 0.9, 0), subject('b', 0.9, 0), subject('b', 0.1, 1)], ['sex'])[0];
    // a: 1/1, b: 1/2 -> DI 0.5; even treatment needs equal rates
    expect(even.fourFifthsViolated).toBe(true);
    const equal = fairnessReport([subject('a', 0.9, 0), subject('b', 0.9, 1)], ['sex'])[0];
    expect(equal.minDisparateImpactRatio).toBe(1);
    expect(equal.fourFifthsViolated).toBe(false);
    expect(FOUR_FIFTHS).toBe(0.8);
  });

  it('has no ratio when nobody got the favourable decision', () => {
    const [sut] = fairnessReport([subject('a', 0.1, 1), subject('b', 0.2, 0)], ['sex']);
    expect(sut.minDisparateImpactRatio).toBeNaN();
    expect(sut.fourFifthsViolated).toBe(false);
  });

  it('interpolates quantiles between sorted values', () => {
    expect(quantile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantile([1, 2, 3, 4], 0)).toBe(1);
    expect(quantile([1, 2, 3, 4], 1)).toBe(4);
    expect(quantile([], 0.5)).toBeNaN();
  });
});

describe(readProtectedGroups.name, () => {
  it('names the UCI groups by ID and reports undocumented codes as codes', () => {
    const csv = 'ID,X1,X2,X3,X4,X5,Y\n7,1000,2,1,1,24,0\n8,2000,1,2,0,47,1\n9,500,3,2,3,,0\n';
    const sut = readProtectedGroups(csv);

    expect(sut.get('7')).toEqual({ sex: 'female', marital_status: 'married', age_band: '<25' });
    expect(sut.get('8')).toEqual({ sex: 'male', marital_status: 'code 0', age_band: '45-54' });
    expect(sut.get('9')).toEqual({ sex: 'code 3', marital_status: 'other', age_band: 'unknown' });
  });

  it('reads any column a tenant marks protected, and refuses a missing one', () => {
    const csv = 'ID,region,X2\n1,north,1\n2,south,2\n';
    expect(readProtectedGroups(csv, { region: 'region' }).get('2')).toEqual({ region: 'south' });
    expect(() => readProtectedGroups(csv, { nationality: 'nationality' })).toThrow(/nationality/);
  });

  it('bands ages by ten years from 25', () => {
    expect([21, 25, 34, 35, 64, 65, 79].map(ageBand)).toEqual([
      '<25',
      '25-34',
      '25-34',
      '35-44',
      '55-64',
      '65+',
      '65+',
    ]);
    expect(uciProtectedGroup('X5', 'x')).toBe('unknown');
  });
});
