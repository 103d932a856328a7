import { promises, scoring } from '@collections/contracts';
import { AppError, money } from '@collections/platform';

/** How far one role may go on its own. */
export interface RoleLimit {
  /** Largest settlement discount, in basis points of the balance. */
  maxDiscountBps: number;
  maxInstalments: number;
}

export type Role = 'agent' | 'supervisor' | 'bot' | 'selfService';

/** A tenant's negotiation limits, checked whole (see validatePolicy). */
export interface NegotiationLimits {
  roles: Readonly<Record<Role, RoleLimit>>;
  /** Discount cap per scoring segment, whoever grants it. */
  segmentMaxDiscountBps: ReadonlyMap<scoring.Segment, number>;
  /** Days from today to a plan's last due date; 0: no limit. */
  maxTermDays: number;
  /** Smallest instalment in minor units, per currency. */
  minInstalmentMinor: ReadonlyMap<string, number>;
  /** Smallest down payment, in basis points of the plan total. */
  minDownPaymentBps: number;
  /** Annual rate the offers' present values are discounted at. */
  annualDiscountRateBps: number;
  /** Hours an offer held for a supervisor waits before it expires; 0: `DEFAULT_APPROVAL_HOURS`. */
  approvalHours: number;
}

/** How long a held offer waits for a supervisor when the tenant's policy does not say. */
export const DEFAULT_APPROVAL_HOURS = 72;

/** Until when an offer held at `requestedAt` under `limits` may be approved. */
export function approvalExpiry(limits: NegotiationLimits, requestedAt: Date): Date {
  return new Date(requestedAt.getTime() + (limits.approvalHours || DEFAULT_APPROVAL_HOURS) * 3_600_000);
}

export interface StoredPolicy {
  limits: NegotiationLimits;
  version: number;
  changedBy: string;
  changedAt?: Date;
  changeReason: string;
}

/** Until a tenant sets its own: people grant more than the bot, the bot more than the debtor alone on the web. */
export const DEFAULT_LIMITS: NegotiationLimits = {
  roles: {
    agent: { maxDiscountBps: 3_000, maxInstalments: 24 },
    supervisor: { maxDiscountBps: 5_000, maxInstalments: 36 },
    bot: { maxDiscountBps: 1_500, maxInstalments: 12 },
    selfService: { maxDiscountBps: 1_000, maxInstalments: 6 },
  },
  segmentMaxDiscountBps: new Map(),
  maxTermDays: 0,
  minInstalmentMinor: new Map(),
  minDownPaymentBps: 0,
  annualDiscountRateBps: 1_200,
  approvalHours: 0,
};

export const DEFAULT_POLICY: StoredPolicy = { limits: DEFAULT_LIMITS, version: 0, changedBy: '', changeReason: '' };

/** The role whose limits apply to whoever took the arrangement. */
export function roleOf(takenBy: promises.TakenBy): Role {
  switch (takenBy) {
    case promises.TakenBy.TAKEN_BY_AGENT:
      return 'agent';
    case promises.TakenBy.TAKEN_BY_BOT:
      return 'bot';
    case promises.TakenBy.TAKEN_BY_SELF_SERVICE:
      return 'selfService';
    default:
      throw AppError.invalid('taken_by must be AGENT, BOT or SELF_SERVICE');
  }
}

const ROLE_FIELDS: [Role, keyof promises.NegotiationPolicy][] = [
  ['agent', 'agent'],
  ['supervisor', 'supervisor'],
  ['bot', 'bot'],
  ['selfService', 'selfService'],
];

const intIn = (field: string, value: number, min: number, max: number): number => {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw AppError.invalid(`${field} must be a whole number between ${min} and ${max}, got ${value}`, { field });
  }
  return value;
};

/** Checks a policy as a tenant sends it; every refusal is INVALID_ARGUMENT naming the field. */
export function validatePolicy(input: promises.NegotiationPolicy | undefined): NegotiationLimits {
  if (!input) throw AppError.invalid('policy is required', { field: 'policy' });
  const roles = {} as Record<Role, RoleLimit>;
  for (const [role, field] of ROLE_FIELDS) {
    const limit = input[field] as promises.RoleLimits | undefined;
    const name = field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    if (!limit) throw AppError.invalid(`policy.${name} is required`, { field: `policy.${name}` });
    roles[role] = {
      maxDiscountBps: intIn(`policy.${name}.max_discount_bps`, limit.maxDiscountBps, 0, 9_999),
      maxInstalments: intIn(`policy.${name}.max_instalments`, limit.maxInstalments, 1, 120),
    };
  }
  for (const role of ['agent', 'bot', 'selfService'] as const) {
    const name = role === 'selfService' ? 'self_service' : role;
    if (
      roles[role].maxDiscountBps > roles.supervisor.maxDiscountBps ||
      roles[role].maxInstalments > roles.supervisor.maxInstalments
    ) {
      throw AppError.invalid(`policy.${name} may not go beyond policy.supervisor, who approves what it cannot grant`, {
        field: `policy.${name}`,
      });
    }
  }
  const segments = new Map<scoring.Segment, number>();
  input.segmentLimits.forEach((s, i) => {
    const field = `policy.segment_limits[${i}]`;
    const known = s.segment !== scoring.Segment.SEGMENT_UNSPECIFIED && scoring.Segment[s.segment] !== undefined;
    if (!known || s.segment === scoring.Segment.UNRECOGNIZED) {
      throw AppError.invalid(`${field}.segment must be a known segment`, { field: `${field}.segment` });
    }
    if (segments.has(s.segment)) {
      throw AppError.invalid(`${field}: ${scoring.segmentToJSON(s.segment)} is capped twice`, { field });
    }
    segments.set(s.segment, intIn(`${field}.max_discount_bps`, s.maxDiscountBps, 0, 9_999));
  });
  const minInstalment = new Map<string, number>();
  input.minInstalment.forEach((m, i) => {
    const field = `policy.min_instalment[${i}]`;
    let amount;
    try {
      amount = money(m.amountMinor, m.currency);
    } catch (err) {
      throw AppError.invalid(`${field}: ${(err as Error).message}`, { field });
    }
    if (amount.amountMinor <= 0) throw AppError.invalid(`${field} must be a positive amount`, { field });
    if (minInstalment.has(amount.currency)) throw AppError.invalid(`${field}: ${amount.currency} twice`, { field });
    minInstalment.set(amount.currency, amount.amountMinor);
  });
  return {
    roles,
    segmentMaxDiscountBps: segments,
    maxTermDays: intIn('policy.max_term_days', input.maxTermDays, 0, 3_650),
    minInstalmentMinor: minInstalment,
    minDownPaymentBps: intIn('policy.min_down_payment_bps', input.minDownPaymentBps, 0, 9_999),
    annualDiscountRateBps: intIn('policy.annual_discount_rate_bps', input.annualDiscountRateBps, 0, 10_000),
    approvalHours: intIn('policy.approval_hours', input.approvalHours, 0, 720),
  };
}

/** The proto view of a stored policy. */
export function policyToProto(p: StoredPolicy): promises.NegotiationPolicy {
  const { limits } = p;
  return {
    agent: { ...limits.roles.agent },
    supervisor: { ...limits.roles.supervisor },
    bot: { ...limits.roles.bot },
    selfService: { ...limits.roles.selfService },
    segmentLimits: [...limits.segmentMaxDiscountBps].map(([segment, maxDiscountBps]) => ({ segment, maxDiscountBps })),
    maxTermDays: limits.maxTermDays,
    minInstalment: [...limits.minInstalmentMinor].map(([currency, amountMinor]) => ({ amountMinor, currency })),
    minDownPaymentBps: limits.minDownPaymentBps,
    annualDiscountRateBps: limits.annualDiscountRateBps,
    approvalHours: limits.approvalHours,
    version: p.version,
    changedBy: p.changedBy,
    changedAt: p.changedAt,
    changeReason: p.changeReason,
  };
}

/** What the limits say about an arrangement someone proposes. */
export type Verdict =
  { kind: 'allowed' } | { kind: 'needs-approval'; reason: string } | { kind: 'denied'; reason: string };

const pct = (bps: number) => `${bps / 100}%`;
const TAKER: Record<Role, string> = {
  agent: 'an agent',
  supervisor: 'a supervisor',
  bot: 'the bot',
  selfService: 'self-service',
};

/** Beyond the role's own limit: held for a supervisor when an agent asks and a supervisor may grant it, else refused. */
function beyondRole(role: Role, withinSupervisor: boolean, reason: string): Verdict {
  if (role === 'agent' && withinSupervisor) return { kind: 'needs-approval', reason: `${reason}: needs a supervisor` };
  return { kind: 'denied', reason };
}

export interface PlanTermsToJudge {
  currency: string;
  totalMinor: number;
  downPaymentMinor: number;
  instalments: number;
  /** Due dates and amounts after the down payment (seq >= 1), and the last due date. */
  instalmentAmountsMinor: number[];
  lastDueDate: string;
}

const daysBetween = (from: string, to: string) =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);

/** Judges a plan against the tenant's limits for `role`; `today` is the account's local date. */
export function judgePlan(limits: NegotiationLimits, role: Role, plan: PlanTermsToJudge, today: string): Verdict {
  if (plan.downPaymentMinor * 10_000 < plan.totalMinor * limits.minDownPaymentBps) {
    const min = Math.ceil((plan.totalMinor * limits.minDownPaymentBps) / 10_000);
    return {
      kind: 'denied',
      reason: `the down payment must be at least ${pct(limits.minDownPaymentBps)} of the total (${min} ${plan.currency}), got ${plan.downPaymentMinor}`,
    };
  }
  const minInstalment = limits.minInstalmentMinor.get(plan.currency);
  const smallest = Math.min(...plan.instalmentAmountsMinor);
  if (minInstalment !== undefined && smallest < minInstalment) {
    return {
      kind: 'denied',
      reason: `every instalment must be at least ${minInstalment} ${plan.currency}, the smallest is ${smallest}`,
    };
  }
  const termDays = daysBetween(today, plan.lastDueDate);
  if (limits.maxTermDays > 0 && termDays > limits.maxTermDays) {
    return {
      kind: 'denied',
      reason: `a plan may run at most ${limits.maxTermDays} days, this one ends on ${plan.lastDueDate} (${termDays} days)`,
    };
  }
  const own = limits.roles[role];
  if (plan.instalments > own.maxInstalments) {
    return beyondRole(
      role,
      plan.instalments <= limits.roles.supervisor.maxInstalments,
      `${TAKER[role]} may grant at most ${own.maxInstalments} instalments, asked ${plan.instalments}`,
    );
  }
  return { kind: 'allowed' };
}

/** Judges a settlement discount against the segment's cap and the role's limit. */
export function judgeDiscount(
  limits: NegotiationLimits,
  role: Role,
  segment: scoring.Segment,
  balanceMinor: number,
  discountMinor: number,
): Verdict {
  // Integer arithmetic throughout: discount / balance <= bps / 10 000.
  const within = (bps: number) => discountMinor * 10_000 <= balanceMinor * bps;
  const segmentCap = limits.segmentMaxDiscountBps.get(segment);
  if (segmentCap !== undefined && !within(segmentCap)) {
    return {
      kind: 'denied',
      reason: `accounts in ${scoring.segmentToJSON(segment)} may get at most ${pct(segmentCap)} off the balance`,
    };
  }
  const own = limits.roles[role];
  if (!within(own.maxDiscountBps)) {
    return beyondRole(
      role,
      within(limits.roles.supervisor.maxDiscountBps),
      `${TAKER[role]} may grant at most ${pct(own.maxDiscountBps)} off the balance`,
    );
  }
  return { kind: 'allowed' };
}

/** Throws the refusal of a denied verdict (PERMISSION_DENIED with the reason). */
export function refuseDenied(verdict: Verdict): void {
  if (verdict.kind === 'denied') throw AppError.permissionDenied(verdict.reason);
}

/** The largest discount (bps) `role` may grant on an account of `segment` without approval. */
export function discountCapBps(limits: NegotiationLimits, role: Role, segment: scoring.Segment): number {
  const segmentCap = limits.segmentMaxDiscountBps.get(segment);
  const own = limits.roles[role].maxDiscountBps;
  return segmentCap === undefined ? own : Math.min(own, segmentCap);
}
