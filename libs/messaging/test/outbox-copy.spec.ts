import { EntityManager } from 'typeorm';
import { NewEvent, Outbox } from '../src';
import { EventType, decodePayload } from '@collections/contracts';

/** Undoes COPY text-format escaping of one field. */
const field = (v: string) => v.replace(/\\(.)/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c);

describe('outbox rows as COPY text', () => {
  const outbox = new Outbox({ schema: 'orchestrator', source: '/collections/orchestrator' });
  const tx = {} as EntityManager;
  const now = new Date('2026-03-11T15:00:00Z');
  const events: NewEvent<EventType>[] = [
    {
      type: 'collections.orchestrator.v1.ContactDecision',
      key: 'acct\\1\t"quoted"\nline',
      tenantId: 'tenant-a',
      time: now,
      payload: {
        decisionId: 'd-1',
        accountId: 'acct\\1',
        channel: 2,
        allowed: false,
        reasons: ['quiet-hours: not before 08:00', 'tab\there'],
        decidedAt: now,
        nextPermittedAt: now,
        armId: 'champion',
      },
    },
    {
      type: 'collections.orchestrator.v1.ContactScheduled',
      key: 'acct-2',
      tenantId: 'tenant-b',
      time: now,
      id: 'event-2',
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      payload: {
        scheduleId: 's-1',
        decisionId: 'd-2',
        accountId: 'acct-2',
        channel: 1,
        template: 'reminder',
        strategyId: 'cadence',
        strategyVersion: 3,
        armId: 'challenger',
        stepId: 'd0',
        fallback: true,
        dueAt: now,
      },
    },
  ];

  it('carries the same columns, headers and payloads as the outbox insert', () => {
    const lines = [...outbox.copyText(tx, events)].join('').split('\n');
    expect(lines.pop()).toBe('');
    expect(outbox.copyTarget.columns).toEqual(['event_id', 'tenant_id', 'topic', 'key', 'headers', 'payload']);
    lines.forEach((line, i) => {
      const [id, tenantId, topic, key, headers, payload] = line.split('\t').map(field);
      const { params } = outbox.statement(tx, [events[i]], 1) as unknown as {
        params: [string, string, string, string, string];
      };
      // The insert binds the headers of all its rows as one JSON array.
      const [expected] = JSON.parse(params[4]) as Record<string, string>[];
      const got = JSON.parse(headers) as Record<string, string>;
      expect(got).toEqual({ ...expected, ce_id: id });
      if (events[i].id) expect(id).toBe(events[i].id);
      // The insert binds each column as one array literal.
      expect([params[1], params[2], key]).toEqual([`{"${tenantId}"}`, `{"${topic}"}`, events[i].key]);
      expect(payload.startsWith('\\x')).toBe(true);
      expect(decodePayload(events[i].type, Buffer.from(payload.slice(2), 'hex'))).toEqual(events[i].payload);
    });
  });
});
