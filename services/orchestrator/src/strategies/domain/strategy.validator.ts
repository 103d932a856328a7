import Ajv, { ErrorObject } from 'ajv';
import { STRATEGY_SCHEMA } from './strategy.schema';
import { StrategyDocument } from './strategy.types';

/** One thing wrong with a document, at a JSON Pointer into it (`/arms/0/steps/2/channel`). */
export interface StrategyViolation {
  readonly path: string;
  readonly message: string;
}

export type StrategyValidation =
  | { readonly valid: true; readonly document: StrategyDocument }
  | { readonly valid: false; readonly violations: readonly StrategyViolation[] };

export interface StrategyValidationContext {
  /** Whether a template of this id is known to the tenant. */
  readonly templateExists: (templateId: string) => boolean;
}

const ajv = new Ajv({ allErrors: true, strict: true });
const checkSchema = ajv.compile<StrategyDocument>(STRATEGY_SCHEMA);

/** Schema first; the semantic checks run only on a document of the right shape. */
export function validateStrategy(input: unknown, context: StrategyValidationContext): StrategyValidation {
  if (!checkSchema(input)) {
    return { valid: false, violations: (checkSchema.errors ?? []).map(schemaViolation) };
  }
  const violations = semanticViolations(input, context);
  return violations.length === 0 ? { valid: true, document: input } : { valid: false, violations };
}

export function formatViolation(v: StrategyViolation): string {
  return `${v.path || '/'}: ${v.message}`;
}

function schemaViolation(e: ErrorObject): StrategyViolation {
  switch (e.keyword) {
    case 'enum':
      return { path: e.instancePath, message: `must be one of ${(e.params.allowedValues as unknown[]).join(', ')}` };
    case 'required':
      return { path: `${e.instancePath}/${String(e.params.missingProperty)}`, message: 'is required' };
    case 'additionalProperties':
      return { path: `${e.instancePath}/${String(e.params.additionalProperty)}`, message: 'is not allowed' };
    default:
      return { path: e.instancePath, message: e.message ?? e.keyword };
  }
}

/** What the schema cannot say. */
function semanticViolations(doc: StrategyDocument, context: StrategyValidationContext): StrategyViolation[] {
  const out: StrategyViolation[] = [];
  const rangeCheck = (path: string, r: { min?: number; max?: number } | undefined) => {
    if (r?.min !== undefined && r.max !== undefined && r.min > r.max) {
      out.push({ path, message: `min ${r.min} is above max ${r.max}` });
    }
  };
  rangeCheck('/entry/daysPastDue', doc.entry.daysPastDue);
  rangeCheck('/entry/balanceMinor', doc.entry.balanceMinor);

  const weights = doc.arms.reduce((sum, arm) => sum + arm.weight, 0);
  if (weights !== 100) out.push({ path: '/arms', message: `arm weights sum to ${weights}, not 100` });
  const armIds = new Set<string>();
  doc.arms.forEach((arm, a) => {
    if (armIds.has(arm.id)) out.push({ path: `/arms/${a}/id`, message: `duplicate arm id ${arm.id}` });
    armIds.add(arm.id);
    const stepIds = new Set<string>();
    const lastOffset = new Map<string, number>();
    arm.steps.forEach((step, s) => {
      const at = `/arms/${a}/steps/${s}`;
      if (stepIds.has(step.id)) out.push({ path: `${at}/id`, message: `duplicate step id ${step.id}` });
      stepIds.add(step.id);
      const previous = lastOffset.get(step.offset.from);
      if (previous !== undefined && step.offset.days <= previous) {
        out.push({
          path: `${at}/offset/days`,
          message: `must come after the previous ${step.offset.from} step (day ${previous})`,
        });
      }
      lastOffset.set(step.offset.from, step.offset.days);
      if (step.offset.from === 'entry' && step.offset.days < 0) {
        out.push({ path: `${at}/offset/days`, message: 'a step cannot come before entry' });
      }
      if (step.fallbackChannel === step.channel) {
        out.push({ path: `${at}/fallbackChannel`, message: `must differ from channel ${step.channel}` });
      }
      if (!context.templateExists(step.template)) {
        out.push({ path: `${at}/template`, message: `unknown template ${step.template}` });
      }
      if (step.preferredWindow && step.preferredWindow.from >= step.preferredWindow.to) {
        out.push({ path: `${at}/preferredWindow`, message: 'from must be before to' });
      }
    });
  });
  if (doc.escalation && doc.legalReferral && doc.legalReferral.atDaysPastDue < doc.escalation.atDaysPastDue) {
    out.push({ path: '/legalReferral/atDaysPastDue', message: 'must not come before escalation' });
  }
  return out;
}
