import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { STRATEGY_SCHEMA, formatViolation, validateStrategy } from '../../src/strategies/domain';
import { retailStrategy, templateExists } from './strategy.fixture';

const errorsOf = (doc: unknown): string[] => {
  const result = validateStrategy(doc, { templateExists });
  return result.valid ? [] : result.violations.map(formatViolation);
};

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };
const mutableRetail = () => structuredClone(retailStrategy()) as Mutable<ReturnType<typeof retailStrategy>>;

describe('validateStrategy', () => {
  it('accepts a well-formed strategy', () => {
    expect(errorsOf(retailStrategy())).toEqual([]);
  });

  it('names the path of an unknown channel and lists the channels it may be', () => {
    const doc = mutableRetail();
    (doc.arms[0].steps[2] as { channel: string }).channel = 'pigeon';
    expect(errorsOf(doc)).toEqual([
      '/arms/0/steps/2/channel: must be one of call, sms, whatsapp, email, letter, visit',
    ]);
  });

  it('reports every schema error at once, with paths', () => {
    const doc = mutableRetail() as unknown as Record<string, unknown>;
    delete doc.name;
    (doc as { priority: unknown }).priority = 'high';
    (doc as { extra: unknown }).extra = 1;
    expect(errorsOf(doc).sort()).toEqual([
      '/extra: is not allowed',
      '/name: is required',
      '/priority: must be integer',
    ]);
  });

  it('rejects steps out of order, a fallback equal to the channel, unknown templates and weights not summing to 100', () => {
    const doc = mutableRetail();
    doc.arms[0].steps[3].offset.days = -2;
    doc.arms[0].steps[1].fallbackChannel = 'whatsapp';
    doc.arms[1].steps[0].template = 'nope';
    doc.arms[1].weight = 30;
    expect(errorsOf(doc).sort()).toEqual([
      '/arms/0/steps/1/fallbackChannel: must differ from channel whatsapp',
      '/arms/0/steps/3/offset/days: must come after the previous due_date step (day 0)',
      '/arms/1/steps/0/template: unknown template nope',
      '/arms: arm weights sum to 110, not 100',
    ]);
  });

  it('rejects inverted ranges, duplicate ids and a legal referral before escalation', () => {
    const doc = mutableRetail();
    doc.entry.daysPastDue = { min: 10, max: 1 };
    doc.arms[1].id = 'champion';
    doc.legalReferral = { atDaysPastDue: 10 };
    expect(errorsOf(doc).sort()).toEqual([
      '/arms/1/id: duplicate arm id champion',
      '/entry/daysPastDue: min 10 is above max 1',
      '/legalReferral/atDaysPastDue: must not come before escalation',
    ]);
  });

  it('publishes the schema it validates with', () => {
    const published = JSON.parse(readFileSync(join(__dirname, '../../schemas/strategy.schema.json'), 'utf8'));
    expect(published).toEqual(STRATEGY_SCHEMA);
  });
});
