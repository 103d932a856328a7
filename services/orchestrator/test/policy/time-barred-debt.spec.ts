import {
  PolicyError,
  PolicyErrorCode,
  RulePack,
  TenantOverride,
  applyTenantOverride,
  rulePackViolations,
  tenantRulesOf,
  timeBarredCheck,
  timeBarredOn,
} from '../../src/policy/domain';
import { RULE_PACKS, US_REGULATION_F_PACK } from '../../src/policy/packs';

const RULE = 'enforcement.noSuitWhenTimeBarred';

/** The US pack as a tenant's earlier override left it: California 4 years, 3 for credit cards; Texas 4. */
const withPeriods: RulePack = {
  ...US_REGULATION_F_PACK,
  enforcement: {
    noSuitWhenTimeBarred: {
      ...US_REGULATION_F_PACK.enforcement!.noSuitWhenTimeBarred!,
      limitationPeriods: { CA: { years: 4, products: { credit_card: 3 } }, TX: { years: 4 } },
    },
  },
};

const periods = (
  pack: RulePack,
  limitationPeriods: NonNullable<
    NonNullable<TenantOverride['enforcement']>['noSuitWhenTimeBarred']
  >['limitationPeriods'],
) =>
  applyTenantOverride(pack, {
    tenantId: 't1',
    version: '2',
    enforcement: { noSuitWhenTimeBarred: { limitationPeriods } },
  });

const rejectedPaths = (run: () => unknown): string[] => {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as PolicyError).code).toBe(PolicyErrorCode.TenantOverrideRejected);
    return (err as PolicyError).violations.map((v) => v.path);
  }
  throw new Error('the override was accepted');
};

describe('no suit on a time-barred debt (US Regulation F §1006.26(b)) as pack data', () => {
  it('ships the US rule with no limitation period of its own, and says the periods are left open', () => {
    const rule = US_REGULATION_F_PACK.enforcement?.noSuitWhenTimeBarred;
    expect(rule).toMatchObject({ id: 'US-TIME-BARRED', citation: expect.stringContaining('§1006.26(b)') });
    expect(rule?.limitationPeriods).toEqual({});
    expect(US_REGULATION_F_PACK.openDimensions.map((d) => d.dimension)).toContain('limitation-period');
    expect(rulePackViolations(US_REGULATION_F_PACK)).toEqual([]);
    expect(RULE_PACKS.ES.enforcement?.noSuitWhenTimeBarred).toBeUndefined();
  });

  it('takes a tenant’s added states and periods through its stored override', () => {
    const rules = tenantRulesOf(US_REGULATION_F_PACK, 't1', {
      version: 1,
      document: {
        enforcement: { noSuitWhenTimeBarred: { limitationPeriods: { CA: { years: 4 }, NY: { years: 3 } } } },
      },
    });
    expect(rules.pack.enforcement?.noSuitWhenTimeBarred?.limitationPeriods).toEqual({
      CA: { years: 4 },
      NY: { years: 3 },
    });
    expect(rules.pack.enforcement?.noSuitWhenTimeBarred?.id).toBe('US-TIME-BARRED');
  });

  it('accepts adding a state or a product, and shortening a period', () => {
    const pack = periods(withPeriods, {
      CA: { years: 3, products: { personal_loan: 2 } },
      NV: { years: 6 },
      TX: { products: { credit_card: 2 } },
    });
    expect(pack.enforcement?.noSuitWhenTimeBarred?.limitationPeriods).toEqual({
      CA: { years: 3, products: { credit_card: 3, personal_loan: 2 } },
      TX: { years: 4, products: { credit_card: 2 } },
      NV: { years: 6 },
    });
  });

  it('rejects lengthening or removing a period, naming each path', () => {
    expect(rejectedPaths(() => periods(withPeriods, { CA: { years: 5 } }))).toEqual([
      `${RULE}.limitationPeriods.CA.years`,
    ]);
    expect(rejectedPaths(() => periods(withPeriods, { CA: { products: { credit_card: 4 } } }))).toEqual([
      `${RULE}.limitationPeriods.CA.products.credit_card`,
    ]);
    // A product period longer than the state's: that product's debts were barred after 4 years.
    expect(rejectedPaths(() => periods(withPeriods, { TX: { products: { personal_loan: 6 } } }))).toEqual([
      `${RULE}.limitationPeriods.TX.products.personal_loan`,
    ]);
    expect(rejectedPaths(() => periods(withPeriods, { TX: null }))).toEqual([`${RULE}.limitationPeriods.TX`]);
    expect(rejectedPaths(() => periods(withPeriods, { TX: { years: null } }))).toEqual([
      `${RULE}.limitationPeriods.TX.years`,
    ]);
    expect(rejectedPaths(() => periods(withPeriods, { CA: { products: { credit_card: null } } }))).toEqual([
      `${RULE}.limitationPeriods.CA.products.credit_card`,
    ]);
  });

  it('rejects periods that are not positive whole years, or not of a US state', () => {
    expect(
      rejectedPaths(() =>
        periods(US_REGULATION_F_PACK, { CA: { years: 0 }, NY: { years: 2.5 }, XX: { years: 3 }, WA: {} }),
      ),
    ).toEqual([
      `${RULE}.limitationPeriods.CA.years`,
      `${RULE}.limitationPeriods.NY.years`,
      `${RULE}.limitationPeriods.XX`,
      `${RULE}.limitationPeriods.WA`,
    ]);
    expect(rejectedPaths(() => periods(US_REGULATION_F_PACK, { CA: { products: { 'Credit Card': 3 } } }))).toEqual([
      `${RULE}.limitationPeriods.CA.products.Credit Card`,
    ]);
  });

  it('refuses an override of a pack without the rule, and of any other enforcement rule', () => {
    expect(rejectedPaths(() => periods(RULE_PACKS.ES, { CA: { years: 4 } }))).toEqual([RULE]);
    expect(
      rejectedPaths(() =>
        applyTenantOverride(RULE_PACKS.ES, {
          tenantId: 't1',
          version: '1',
          enforcement: { forbearanceFirst: {} } as TenantOverride['enforcement'],
        }),
      ),
    ).toEqual(['enforcement.forbearanceFirst']);
  });

  it('counts the period from the default date in whole years, a 29 February default ending on 28 February', () => {
    expect(timeBarredOn('2020-01-15', 4)).toBe('2024-01-15');
    expect(timeBarredOn('2024-02-29', 1)).toBe('2025-02-28');
    expect(timeBarredOn('2024-02-29', 4)).toBe('2028-02-29');
    const rule = withPeriods.enforcement!.noSuitWhenTimeBarred!;
    expect(timeBarredCheck(rule, 'CA', 'personal_loan', '2020-01-15', '2024-01-14')).toMatchObject({
      kind: 'checked',
      barred: false,
    });
    expect(timeBarredCheck(rule, 'US-CA', 'personal_loan', '2020-01-15', '2024-01-15')).toMatchObject({
      kind: 'checked',
      barred: true,
      state: 'CA',
      years: 4,
      barredOn: '2024-01-15',
    });
    expect(timeBarredCheck(rule, 'CA', 'credit_card', '2020-01-15', '2023-01-15')).toMatchObject({
      barred: true,
      years: 3,
    });
    expect(timeBarredCheck(rule, 'OR', 'personal_loan', '2000-01-01', '2026-01-01')).toEqual({
      kind: 'no-period',
      state: 'OR',
    });
  });
});
