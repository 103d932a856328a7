import { Random } from './random';

describe(Random.name, () => {
  it('gives the same draws for the same seed and different ones for another seed', () => {
    const draws = (seed: string) => {
      const sut = new Random(seed);
      return Array.from({ length: 20 }, () => sut.uint32());
    };
    expect(draws('42')).toEqual(draws('42'));
    expect(draws('42')).not.toEqual(draws('43'));
  });

  it('keeps uniform draws in [0, 1) with a mean near one half', () => {
    const sut = new Random('uniform');
    const xs = Array.from({ length: 20_000 }, () => sut.next());
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(1);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.5, 1);
  });

  it('draws Beta probabilities around their mean', () => {
    const sut = new Random('beta');
    const xs = Array.from({ length: 20_000 }, () => sut.beta(0.78 * 12, 0.22 * 12));
    expect(xs.every((x) => x > 0 && x < 1)).toBe(true);
    expect(xs.reduce((s, x) => s + x, 0) / xs.length).toBeCloseTo(0.78, 1);
  });

  it('gives a forked stream that does not depend on what else was drawn from its sibling', () => {
    const a = new Random('root');
    const b = new Random('root');
    const forkA = a.fork('debtor-1');
    const forkB = b.fork('debtor-1');
    a.next();
    expect(forkA.uint32()).toBe(forkB.uint32());
  });
});
