import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decideCaseLine } from '../../src/policy/cli/case-line.decider';
import { main } from '../../src/policy/cli/evaluate';
import { JURISDICTIONS } from '../../src/policy/domain';

const lateCall = {
  id: 'us-1',
  jurisdiction: 'US',
  timezone: 'America/New_York',
  channel: 'call',
  at: '2025-03-11T21:30:00-04:00',
  debtId: 'debt-1',
  history: [],
};

describe(decideCaseLine.name, () => {
  const sut = decideCaseLine;

  it('answers a case with the decision, "ruleId: words" reasons and the next permitted instant', () => {
    expect(sut(JSON.stringify(lateCall), 1)).toEqual({
      id: 'us-1',
      allowed: false,
      reasons: [expect.stringMatching(/^US-HOURS: .*inconvenient.*21:30 in America\/New_York$/)],
      nextPermittedAt: '2025-03-12T12:00:00.000Z',
    });
  });

  it('echoes the instant of an allowed contact as its next permitted time', () => {
    expect(sut(JSON.stringify({ ...lateCall, at: '2025-03-11T14:00:00Z' }), 1)).toEqual({
      id: 'us-1',
      allowed: true,
      reasons: [],
      nextPermittedAt: '2025-03-11T14:00:00.000Z',
    });
  });

  it('reads history, consent, opt-outs and holds', () => {
    const line = {
      id: 42,
      jurisdiction: 'CO',
      timezone: 'America/Bogota',
      channel: 'sms',
      at: '2025-03-13T10:00:00-05:00',
      debtId: 'debt-1',
      history: [{ channel: 'call', at: '2025-03-11T09:00:00-05:00', outcome: 'conversation', debtId: 'debt-1' }],
      consent: ['sms', 'call'],
      optedOut: [],
      holds: [],
    };
    expect(sut(JSON.stringify(line), 1)).toMatchObject({
      id: 42,
      allowed: false,
      reasons: [expect.stringMatching(/^CO-ONE-CHANNEL-A-WEEK: /)],
      nextPermittedAt: '2025-03-17T12:00:00.000Z',
    });
  });

  it('reads a case without consent as none on record: Colombia refuses every channel, the US asks for none', () => {
    const colombian = { ...lateCall, jurisdiction: 'CO', timezone: 'America/Bogota', at: '2025-03-11T10:00:00-05:00' };
    for (const consent of [undefined, null, []])
      expect(sut(JSON.stringify({ ...colombian, channel: 'sms', consent }), 1)).toEqual({
        id: 'us-1',
        allowed: false,
        reasons: [expect.stringMatching(/^CO-AUTHORISED-CHANNELS: .*no channel authorised by the debtor on record$/)],
        nextPermittedAt: null,
      });
    expect(sut(JSON.stringify({ ...colombian, channel: 'sms', consent: ['sms'] }), 1).allowed).toBe(true);
    expect(sut(JSON.stringify({ ...lateCall, at: '2025-03-11T14:00:00Z' }), 1).allowed).toBe(true);
  });

  it("reads the debtor's region for regional holidays (Arica, 7 June)", () => {
    const arica = { ...lateCall, jurisdiction: 'CL', timezone: 'America/Santiago', at: '2025-06-07T10:00:00-04:00' };
    expect(sut(JSON.stringify(arica), 1).allowed).toBe(true);
    expect(sut(JSON.stringify({ ...arica, region: 'AP' }), 1)).toMatchObject({
      allowed: false,
      reasons: [expect.stringMatching(/^CL-HOLIDAYS-CALLS-VISITS: .*Morro de Arica/)],
      nextPermittedAt: '2025-06-09T12:00:00.000Z',
    });
    expect(sut(JSON.stringify({ ...arica, region: 'XX' }), 1).reasons).toEqual([
      'INPUT: region "XX" is not a subdivision of CL with a holiday calendar',
    ]);
  });

  it('turns a line that is not JSON into a refusal named after its line number', () => {
    expect(sut('{"id": ', 7)).toEqual({
      id: 'line:7',
      allowed: false,
      reasons: [expect.stringMatching(/^INPUT: line 7 is not JSON/)],
      nextPermittedAt: null,
    });
  });

  it('lists every input error of a case, under its id', () => {
    const bad = {
      ...lateCall,
      jurisdiction: 'AR',
      timezone: 'Mars/Base',
      at: '2025-03-11T21:30:00',
      holds: ['asleep'],
    };
    expect(sut(JSON.stringify(bad), 1)).toEqual({
      id: 'us-1',
      allowed: false,
      reasons: [
        `INPUT: jurisdiction "AR" is not one of ${JURISDICTIONS.join(', ')}`,
        'INPUT: timezone "Mars/Base" is not an IANA time zone',
        'INPUT: at "2025-03-11T21:30:00" is not an ISO-8601 instant with Z or an offset',
        'INPUT: holds[0] "asleep" is not one of dispute, bankruptcy, deceased, attorney, cease_communication, litigation',
      ],
      nextPermittedAt: null,
    });
  });
});

describe('policy:evaluate', () => {
  let dir: string;
  let printed: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'policy-cli-'));
    printed = '';
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed += String(chunk);
      return true;
    });
  });

  afterEach(() => {
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints exactly one JSON line per case, in order, and nothing else', async () => {
    const file = join(dir, 'cases.jsonl');
    const lines = [
      JSON.stringify(lateCall),
      'not json',
      '',
      JSON.stringify({ ...lateCall, id: 'us-2', at: '2025-03-11T14:00:00Z' }),
    ];
    writeFileSync(file, `${lines.join('\r\n')}\n`);

    await expect(main(['--cases', file])).resolves.toBe(0);

    const out = printed
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { id: string; allowed: boolean });
    expect(out.map((o) => [o.id, o.allowed])).toEqual([
      ['us-1', false],
      ['line:2', false],
      ['us-2', true],
    ]);
    for (const o of out) expect(Object.keys(o)).toEqual(['id', 'allowed', 'reasons', 'nextPermittedAt']);
  });

  it('exits 2 without printing on stdout when the file cannot be read', async () => {
    const errors = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    await expect(main(['--cases', join(dir, 'missing.jsonl')])).resolves.toBe(2);
    expect(printed).toBe('');
    expect(String(errors.mock.calls[0][0])).toContain('cannot read');
  });
});
