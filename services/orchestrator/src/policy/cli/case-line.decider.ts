import { Jurisdiction, RulePack, evaluate } from '../domain';
import { RULE_PACKS } from '../packs';
import { CaseId, parseCaseLine } from './case-line.parser';

/** One output line: the CLI's contract with `npm run policy:evaluate`. */
export interface CaseResultLine {
  id: CaseId;
  allowed: boolean;
  reasons: string[];
  nextPermittedAt: string | null;
}

/**
 * Decides one JSONL line with the same engine the dispatcher uses. Never throws: a bad line or an
 * engine failure becomes a refusal whose reason says what went wrong, so one bad case cannot hide
 * the answers for the others.
 */
export function decideCaseLine(
  text: string,
  lineNumber: number,
  packs: Readonly<Record<Jurisdiction, RulePack>> = RULE_PACKS,
): CaseResultLine {
  const parsed = parseCaseLine(text, lineNumber, (j) => packs[j].holidayCountry);
  if (!parsed.ok)
    return { id: parsed.id, allowed: false, reasons: parsed.errors.map((e) => `INPUT: ${e}`), nextPermittedAt: null };
  try {
    const decision = evaluate(parsed.contactCase, packs[parsed.jurisdiction]);
    return {
      id: parsed.id,
      allowed: decision.allowed,
      reasons: decision.reasons.map((r) => `${r.ruleId}: ${r.message}`),
      nextPermittedAt: decision.nextPermittedAt ? decision.nextPermittedAt.toISOString() : null,
    };
  } catch (err) {
    return {
      id: parsed.id,
      allowed: false,
      reasons: [`ENGINE: the case could not be evaluated (${err instanceof Error ? err.message : String(err)})`],
      nextPermittedAt: null,
    };
  }
}
