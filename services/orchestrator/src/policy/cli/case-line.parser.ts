import {
  CHANNELS,
  CONTACT_OUTCOMES,
  Channel,
  ContactCase,
  ContactOutcome,
  HOLDS,
  Hold,
  InconvenientWindow,
  JURISDICTIONS,
  Jurisdiction,
  PastContact,
  PublicHolidayCalendar,
  TimeZoneClock,
  inconvenientWindowViolations,
} from '../domain';

/** One JSONL input line, read into a ContactCase, or every reason it cannot be. */
export type ParsedCaseLine =
  | { ok: true; id: CaseId; jurisdiction: Jurisdiction; contactCase: ContactCase }
  | { ok: false; id: CaseId; errors: string[] };

/** The case's own id, echoed as given; `line:<n>` when the line has none. */
export type CaseId = string | number;

/** An instant needs an explicit offset: a bare local date-time would be read in the server's zone. */
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

export function parseCaseLine(
  text: string,
  lineNumber: number,
  holidayCountry: (j: Jurisdiction) => string,
): ParsedCaseLine {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      id: `line:${lineNumber}`,
      errors: [`line ${lineNumber} is not JSON (${(err as Error).message})`],
    };
  }
  if (!isRecord(raw))
    return { ok: false, id: `line:${lineNumber}`, errors: [`line ${lineNumber} is not a JSON object`] };

  const errors: string[] = [];
  const hasId = (typeof raw.id === 'string' && raw.id !== '') || typeof raw.id === 'number';
  const id: CaseId = hasId ? (raw.id as CaseId) : `line:${lineNumber}`;
  if (!hasId) errors.push('id is missing (a string or number)');

  const jurisdiction = oneOf(raw.jurisdiction, JURISDICTIONS, 'jurisdiction', errors);
  const timezone = typeof raw.timezone === 'string' ? raw.timezone : undefined;
  if (timezone === undefined) errors.push('timezone is missing (an IANA zone such as America/Bogota)');
  else if (!TimeZoneClock.isKnownZone(timezone)) errors.push(`timezone "${timezone}" is not an IANA time zone`);
  const channel = oneOf(raw.channel, CHANNELS, 'channel', errors);
  const at = instant(raw.at, 'at', errors);
  const debtId = identifier(raw.debtId, 'debtId', errors);

  let region: string | undefined;
  if (raw.region !== undefined && raw.region !== null) {
    if (typeof raw.region !== 'string') errors.push('region must be a string such as "SP"');
    else if (jurisdiction && !PublicHolidayCalendar.isKnownRegion(holidayCountry(jurisdiction), raw.region))
      errors.push(
        `region "${raw.region}" is not a subdivision of ${holidayCountry(jurisdiction)} with a holiday calendar`,
      );
    else region = raw.region;
  }

  const history: PastContact[] = [];
  if (raw.history !== undefined && raw.history !== null) {
    if (!Array.isArray(raw.history)) errors.push('history must be an array');
    else
      raw.history.forEach((entry: unknown, i: number) => {
        const path = `history[${i}]`;
        if (!isRecord(entry)) {
          errors.push(`${path} must be an object`);
          return;
        }
        const pastChannel = oneOf(entry.channel, CHANNELS, `${path}.channel`, errors);
        const pastAt = instant(entry.at, `${path}.at`, errors);
        const outcome = oneOf(entry.outcome, CONTACT_OUTCOMES, `${path}.outcome`, errors);
        const pastDebt = identifier(entry.debtId, `${path}.debtId`, errors);
        if (pastChannel && pastAt && outcome && pastDebt !== undefined)
          history.push({ channel: pastChannel, at: pastAt, outcome: outcome as ContactOutcome, debtId: pastDebt });
      });
  }

  // No consent given is none on record: a pack that requires consent then authorises no channel.
  const consent = list(raw.consent ?? [], CHANNELS, 'consent', errors) ?? [];
  const optedOut = list(raw.optedOut ?? [], CHANNELS, 'optedOut', errors) ?? [];
  const holds = list(raw.holds ?? [], HOLDS, 'holds', errors) ?? [];

  // Absent: as before these fields, no inconvenient time and no forbidden workplace on record.
  let inconvenient: InconvenientWindow[] | undefined;
  if (raw.inconvenient !== undefined && raw.inconvenient !== null) {
    const found = inconvenientWindowViolations(raw.inconvenient);
    if (found.length) errors.push(...found.map((v) => `${v.path} ${v.problem}`));
    else inconvenient = raw.inconvenient as InconvenientWindow[];
  }
  let workplaceForbidden: boolean | undefined;
  if (raw.workplaceForbidden !== undefined && raw.workplaceForbidden !== null) {
    if (typeof raw.workplaceForbidden !== 'boolean') errors.push('workplaceForbidden must be true or false');
    else workplaceForbidden = raw.workplaceForbidden;
  }

  if (errors.length || !jurisdiction || !timezone || !channel || !at || debtId === undefined)
    return { ok: false, id, errors };
  return {
    ok: true,
    id,
    jurisdiction,
    contactCase: {
      timezone,
      region,
      channel,
      at,
      debtId,
      history,
      consent: consent as Channel[],
      optedOut: optedOut as Channel[],
      holds: holds as Hold[],
      ...(inconvenient ? { inconvenient } : {}),
      ...(workplaceForbidden !== undefined ? { workplaceForbidden } : {}),
    },
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function oneOf<T extends string>(value: unknown, allowed: readonly T[], path: string, errors: string[]): T | undefined {
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
  errors.push(
    value === undefined
      ? `${path} is missing (one of ${allowed.join(', ')})`
      : `${path} ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`,
  );
  return undefined;
}

function list<T extends string>(
  value: unknown,
  allowed: readonly T[],
  path: string,
  errors: string[],
): T[] | undefined {
  if (!Array.isArray(value)) {
    errors.push(`${path} must be an array of ${allowed.join(', ')}`);
    return undefined;
  }
  const items: T[] = [];
  value.forEach((item: unknown, i: number) => {
    const known = oneOf(item, allowed, `${path}[${i}]`, errors);
    if (known) items.push(known);
  });
  return items;
}

function instant(value: unknown, path: string, errors: string[]): Date | undefined {
  if (typeof value !== 'string') {
    errors.push(`${path} is missing (an ISO-8601 instant with Z or an offset)`);
    return undefined;
  }
  const ms = ISO_INSTANT.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms)) {
    errors.push(`${path} "${value}" is not an ISO-8601 instant with Z or an offset`);
    return undefined;
  }
  return new Date(ms);
}

function identifier(value: unknown, path: string, errors: string[]): string | undefined {
  if ((typeof value === 'string' && value.length > 0) || typeof value === 'number') return String(value);
  errors.push(`${path} is missing (a string)`);
  return undefined;
}
