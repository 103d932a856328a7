import { parse as parseYaml } from 'yaml';
import { StrategyViolation } from './strategy.validator';

export type StrategyFormat = 'json' | 'yaml';

/** The document as data, or why it is not even JSON/YAML (reported at the root path). */
export function parseStrategyText(
  text: string,
  format: StrategyFormat,
): { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly violation: StrategyViolation } {
  try {
    return { ok: true, value: format === 'yaml' ? parseYaml(text) : JSON.parse(text) };
  } catch (err) {
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { ok: false, violation: { path: '', message: `not valid ${format.toUpperCase()}: ${reason}` } };
  }
}
