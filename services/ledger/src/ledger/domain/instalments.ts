import { Due } from './delinquency';

/** One instalment of a loan schedule, amounts in minor units of the account currency. */
export interface Instalment {
  number: number;
  dueDate: string;
  principal: number;
  interest: number;
}

export const MAX_INSTALMENTS = 600;

/**
 * Checks a schedule against the loan: numbered 1..N in due-date order (strictly later each
 * time), non-negative whole amounts, something due on each, principals summing to the loan's.
 */
export function validateSchedule(instalments: readonly Instalment[], loanPrincipal: number): string[] {
  const problems: string[] = [];
  if (instalments.length === 0) return ['a schedule needs at least one instalment'];
  if (instalments.length > MAX_INSTALMENTS) return [`a schedule has at most ${MAX_INSTALMENTS} instalments`];
  instalments.forEach((i, at) => {
    if (i.number !== at + 1) problems.push(`instalment ${at + 1} is numbered ${i.number}: number them 1..N`);
    if (!Number.isSafeInteger(i.principal) || i.principal < 0 || !Number.isSafeInteger(i.interest) || i.interest < 0)
      problems.push(`instalment ${i.number}: principal and interest must be non-negative minor units`);
    else if (i.principal + i.interest === 0) problems.push(`instalment ${i.number}: nothing is due`);
    if (at > 0 && i.dueDate <= instalments[at - 1].dueDate)
      problems.push(`instalment ${i.number} must fall due after instalment ${i.number - 1}`);
  });
  const principal = instalments.reduce((s, i) => s + i.principal, 0);
  if (problems.length === 0 && principal !== loanPrincipal)
    problems.push(`the instalment principals sum to ${principal}, the loan principal is ${loanPrincipal}`);
  return problems;
}

/** What falls due on each instalment, as input to the one delinquency definition. */
export function instalmentDues(instalments: readonly Instalment[]): Due[] {
  return instalments.map((i) => ({ dueDate: i.dueDate, amount: i.principal + i.interest }));
}
