import fc from 'fast-check';
import { armOf, assignmentPoint } from '../../src/scores/domain/model-assignment';
import { LiveModels, loadLiveModel } from '../../src/scores/live-models';
import { ScoresErrorCode, ScoresException } from '../../src/scores/domain/scores.exception';

describe(armOf.name, () => {
  const ids = fc.tuple(fc.string({ minLength: 1, maxLength: 36 }), fc.string({ minLength: 1, maxLength: 36 }));

  it('keeps an account in the same arm every time it is asked', () => {
    fc.assert(
      fc.property(ids, fc.double({ min: 0, max: 1, noNaN: true }), ([tenant, account], share) => {
        const first = armOf(tenant, account, share);
        expect(armOf(tenant, account, share)).toBe(first);
        expect(armOf(String(tenant), String(account), share)).toBe(first);
      }),
    );
  });

  it('only ever moves accounts into the challenger arm as its share grows', () => {
    fc.assert(
      fc.property(
        ids,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        ([t, a], x, y) => {
          const [low, high] = x <= y ? [x, y] : [y, x];
          if (armOf(t, a, low) === 'challenger') expect(armOf(t, a, high)).toBe('challenger');
        },
      ),
    );
  });

  it('puts the configured share of accounts in the challenger arm, within sampling tolerance', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 100 }),
        fc.string({ minLength: 1, maxLength: 12 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        (percent, tenant, offset) => {
          const share = percent / 100;
          const n = 4_000;
          let challengers = 0;
          for (let i = 0; i < n; i++) if (armOf(tenant, `acct-${offset + i}`, share) === 'challenger') challengers++;
          // 4.5 standard deviations of a binomial proportion: a false alarm about once in 150,000 runs
          const tolerance = 4.5 * Math.sqrt((share * (1 - share)) / n) + 1 / n;
          expect(Math.abs(challengers / n - share)).toBeLessThanOrEqual(tolerance);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('assigns by tenant and account together: the same account id may sit in different arms per tenant', () => {
    expect(assignmentPoint('tenant-a', 'acct-1')).not.toBe(assignmentPoint('tenant-b', 'acct-1'));
    expect(assignmentPoint('ab', 'c')).not.toBe(assignmentPoint('a', 'bc'));
  });
});

describe(LiveModels.name, () => {
  const champion = loadLiveModel('uci-gbdt-v1');
  const challenger = loadLiveModel('uci-logit-v1');

  it('names each model by its artifact and training data, so champion and challenger differ', () => {
    expect(champion.version).toMatch(/^uci-gbdt-v1#[0-9a-f]{12}$/);
    expect(challenger.version).toMatch(/^uci-logit-v1#[0-9a-f]{12}$/);
    expect(champion.model.kind).toBe('gradient-boosted-trees');
    expect(challenger.model.kind).toBe('logistic-regression');
  });

  it('answers the champion for an empty version, the challenger by its version, and refuses any other', () => {
    const sut = new LiveModels(champion, challenger, 0.5);
    expect(sut.byVersion('')).toBe(champion);
    expect(sut.byVersion(challenger.version)).toBe(challenger);
    const refused = (() => {
      try {
        sut.byVersion('uci-gbdt-v0#000000000000');
      } catch (error) {
        return error;
      }
    })() as ScoresException;
    expect(refused).toBeInstanceOf(ScoresException);
    expect(refused.code).toBe(ScoresErrorCode.UnknownModelVersion);
    expect(refused.message).toContain(challenger.version);
  });

  it('puts everyone in the champion arm when there is no challenger', () => {
    const sut = new LiveModels(champion, undefined, 0);
    expect(sut.armOf('t', 'a')).toBe('champion');
    expect(() => new LiveModels(champion, champion, 0.5)).toThrow(/same model/);
  });
});
