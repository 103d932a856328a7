/**
 * Fairness of a scoring decision across the groups of protected attributes (sex, marital status,
 * age band, or any field a tenant marks protected). The model never sees these attributes; this
 * report checks whether its decisions still fall unevenly on them.
 *
 * For each attribute and each of its groups: the distribution of the probability to pay, the rate
 * of the favourable decision (for the platform: the SELF_CURE segment, i.e. gentle treatment), the
 * observed default rate when outcomes are known, and the disparate impact ratio
 *
 *   DI(g) = favourable rate of g / favourable rate of the most favoured group
 *
 * The four-fifths rule (US EEOC Uniform Guidelines, 29 CFR 1607.4(D)) flags a group whose DI is
 * below 0.8 as adverse impact worth investigating — a screening heuristic, not a legal verdict.
 */
export const FOUR_FIFTHS = 0.8;

export interface ScoredSubject {
  /** Group of each protected attribute, e.g. { sex: 'female', age_band: '25-34' }. */
  readonly groups: Readonly<Record<string, string>>;
  readonly probabilityToPay: number;
  /** Whether the decision made from the score is the favourable one. */
  readonly favourable: boolean;
  /** 1 when the subject defaulted, when known. */
  readonly defaulted?: 0 | 1;
}

export interface ScoreQuantiles {
  readonly p10: number;
  readonly p25: number;
  readonly p50: number;
  readonly p75: number;
  readonly p90: number;
}

export interface GroupFairness {
  readonly group: string;
  readonly n: number;
  /** Share of all subjects in this group. */
  readonly share: number;
  readonly favourableRate: number;
  /** Favourable rate over the most favoured group's; NaN when no group had a favourable decision. */
  readonly disparateImpactRatio: number;
  /** DI below four fifths. */
  readonly belowFourFifths: boolean;
  readonly meanProbabilityToPay: number;
  readonly probabilityToPay: ScoreQuantiles;
  /** Observed default rate among the subjects whose outcome is known; NaN when none is. */
  readonly defaultRate: number;
  /** Mean predicted probability of default (1 - probability to pay), to compare with defaultRate. */
  readonly meanProbabilityOfDefault: number;
}

export interface AttributeFairness {
  readonly attribute: string;
  readonly mostFavouredGroup: string;
  /** The lowest DI of any group (1 when all groups are treated alike). */
  readonly minDisparateImpactRatio: number;
  /** Some group falls below four fifths. */
  readonly fourFifthsViolated: boolean;
  /** Groups in the given order, then by name. */
  readonly groups: readonly GroupFairness[];
}

/** Linear-interpolation quantile of sorted values (the "R-7" definition). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const at = (sorted.length - 1) * q;
  const lo = Math.floor(at);
  const hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? NaN : values.reduce((sum, v) => sum + v, 0) / values.length;
}

/**
 * The fairness of the decisions for each attribute in `attributes`. Subjects without a group for an
 * attribute are left out of that attribute's report (not counted as a group of their own).
 */
export function fairnessReport(
  subjects: readonly ScoredSubject[],
  attributes: readonly string[],
  /** Display order of an attribute's groups (age bands youngest first); unlisted groups follow by name. */
  groupOrder: Readonly<Record<string, readonly string[]>> = {},
): AttributeFairness[] {
  return attributes.map((attribute) => {
    const byGroup = new Map<string, ScoredSubject[]>();
    for (const subject of subjects) {
      const group = subject.groups[attribute];
      if (group === undefined) continue;
      const members = byGroup.get(group);
      if (members) members.push(subject);
      else byGroup.set(group, [subject]);
    }
    const total = [...byGroup.values()].reduce((sum, members) => sum + members.length, 0);
    const order = groupOrder[attribute] ?? [];
    const rank = (group: string) => (order.includes(group) ? order.indexOf(group) : order.length);
    const stats = [...byGroup.entries()]
      .sort(([a], [b]) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0))
      .map(([group, members]) => {
        const scores = members.map((m) => m.probabilityToPay).sort((a, b) => a - b);
        const known = members.filter((m) => m.defaulted !== undefined);
        return {
          group,
          n: members.length,
          share: members.length / total,
          favourableRate: members.filter((m) => m.favourable).length / members.length,
          meanProbabilityToPay: mean(scores),
          probabilityToPay: {
            p10: quantile(scores, 0.1),
            p25: quantile(scores, 0.25),
            p50: quantile(scores, 0.5),
            p75: quantile(scores, 0.75),
            p90: quantile(scores, 0.9),
          },
          defaultRate: mean(known.map((m) => m.defaulted ?? 0)),
          meanProbabilityOfDefault: 1 - mean(scores),
        };
      });
    const best = stats.reduce<(typeof stats)[number] | undefined>(
      (top, s) => (top === undefined || s.favourableRate > top.favourableRate ? s : top),
      undefined,
    );
    const bestRate = best?.favourableRate ?? 0;
    const groups: GroupFairness[] = stats.map((s) => {
      const disparateImpactRatio = bestRate > 0 ? s.favourableRate / bestRate : NaN;
      return { ...s, disparateImpactRatio, belowFourFifths: disparateImpactRatio < FOUR_FIFTHS };
    });
    const ratios = groups.map((g) => g.disparateImpactRatio).filter((r) => !Number.isNaN(r));
    return {
      attribute,
      mostFavouredGroup: best?.group ?? '',
      minDisparateImpactRatio: ratios.length > 0 ? Math.min(...ratios) : NaN,
      fourFifthsViolated: groups.some((g) => g.belowFourFifths),
      groups,
    };
  });
}
