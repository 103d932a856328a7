import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { reportingHandlers } from '../src/reporting.service';

/** The event types the published event catalogue (proto/asyncapi.yaml) says `service` consumes. */
function catalogued(service: string): string[] {
  const text = readFileSync(join(__dirname, '..', '..', '..', 'proto', 'asyncapi.yaml'), 'utf8');
  return [...text.matchAll(new RegExp(`^  ${service}Receive(\\w+):$`, 'gm'))].map((m) => m[1]).sort();
}

describe('the event catalogue (proto/asyncapi.yaml)', () => {
  it('lists exactly the events reporting projects (scripts/asyncapi.mjs CONSUMERS)', () => {
    const handled = Object.keys(reportingHandlers).map((type) => type.split('.').pop()!);
    expect(catalogued('reporting')).toEqual(handled.sort());
  });
});
