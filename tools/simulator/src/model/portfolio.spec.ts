import { Random } from '../random';
import { DebtorBehaviour } from './behaviour';
import { JURISDICTIONS, decimalOf } from './jurisdictions';
import { generatePortfolio } from './portfolio';

describe(generatePortfolio.name, () => {
  it('generates the same portfolio for the same seed, and another for another seed', () => {
    expect(generatePortfolio('7', 50)).toEqual(generatePortfolio('7', 50));
    expect(generatePortfolio('7', 50)).not.toEqual(generatePortfolio('8', 50));
  });

  it('spreads debtors over every supported jurisdiction, in its own time zones and currency', () => {
    const sut = generatePortfolio('spread', 2_000);
    expect(new Set(sut.map((d) => d.jurisdiction.country))).toEqual(
      new Set(['US', 'CO', 'MX', 'CL', 'PE', 'BR', 'EC']),
    );
    for (const d of sut) {
      expect(d.jurisdiction.timeZones).toContain(d.timeZone);
      expect(Number.isInteger(d.firstBillMinor) && d.firstBillMinor > 0).toBe(true);
    }
  });

  it('misses about 22% of first due dates, as the UCI clients defaulted', () => {
    const debtors = generatePortfolio('calibration', 5_000);
    const root = new Random('behaviour');
    let missed = 0;
    for (const d of debtors) {
      const sut = new DebtorBehaviour(d, root.fork(d.debtorId));
      const cycle = sut.statement(0, d.firstBillMinor);
      for (let day = 1; day <= cycle.dueDay; day++) if (day % 7 !== 5 && day % 7 !== 6) sut.businessDay(day);
      if (sut.pastDueMinor(cycle.dueDay + 1) > 0) missed += 1;
    }
    const rate = missed / debtors.length;
    expect(rate).toBeGreaterThan(0.18);
    expect(rate).toBeLessThan(0.27);
  });
});

describe(decimalOf.name, () => {
  it('writes minor units as the decimal amount a bank file carries', () => {
    expect(decimalOf(1234, 2)).toBe('12.34');
    expect(decimalOf(5, 2)).toBe('0.05');
    expect(decimalOf(15000, 0)).toBe('15000');
    expect(JURISDICTIONS.find((j) => j.currency === 'CLP')?.exponent).toBe(0);
  });
});
