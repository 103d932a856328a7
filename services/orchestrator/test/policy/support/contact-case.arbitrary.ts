import fc from 'fast-check';
import {
  CHANNELS,
  CONTACT_OUTCOMES,
  Channel,
  ContactCase,
  HOLDS,
  InconvenientWindow,
  JURISDICTIONS,
  PastContact,
  WeekdayName,
} from '../../../src/policy/domain';

/** Random debtors, zones, jurisdictions, channels and histories for the property tests. */

export const MINUTE = 60_000;
export const HOUR = 3_600_000;
export const DAY = 86_400_000;

/** Debtors live anywhere: zones with DST either side of the equator, half- and quarter-hour offsets. */
const ZONES = [
  'America/New_York',
  'America/Los_Angeles',
  'America/Phoenix',
  'Pacific/Honolulu',
  'America/Bogota',
  'America/Mexico_City',
  'America/Tijuana',
  'America/Santiago',
  'Pacific/Easter',
  'America/Lima',
  'America/Sao_Paulo',
  'America/Guayaquil',
  'America/Havana',
  'America/St_Johns',
  'Europe/Madrid',
  'Asia/Beirut',
  'Australia/Lord_Howe',
  'Asia/Kathmandu',
  'Pacific/Chatham',
  'UTC',
];

/** Instants near DST changes (US, Chile, Brazil's former rule, Lord Howe's half hour) plus ordinary days. */
const ANCHORS = [
  Date.parse('2025-03-09T07:00:00Z'),
  Date.parse('2025-11-02T06:00:00Z'),
  Date.parse('2025-04-06T03:00:00Z'),
  Date.parse('2025-09-07T04:00:00Z'),
  Date.parse('2018-11-04T03:00:00Z'),
  Date.parse('2025-10-04T15:00:00Z'),
  Date.parse('2025-12-24T12:00:00Z'),
  Date.parse('2026-01-01T12:00:00Z'),
  Date.parse('2025-07-20T12:00:00Z'),
];

const instantNearAnchor = fc
  .tuple(fc.constantFrom(...ANCHORS), fc.integer({ min: -72 * 60, max: 72 * 60 }))
  .map(([anchor, minutes]) => anchor + minutes * MINUTE);
const anyInstant = fc.integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2027-12-31T00:00:00Z') });
/** On a UTC hour, give or take a minute: for whole-hour zones, right on an opening or closing time. */
const instantOnTheHour = fc
  .tuple(fc.integer({ min: 474_000, max: 508_000 }), fc.constantFrom(-1, 0, 1))
  .map(([hour, minute]) => hour * HOUR + minute * MINUTE);

const channel = fc.constantFrom(...CHANNELS);

function pastContacts(at: number, candidate: Channel): fc.Arbitrary<PastContact[]> {
  // Mostly the candidate's channel and debt, so caps and quiet periods actually bind.
  const entry = fc.record({
    channel: fc.oneof({ weight: 3, arbitrary: fc.constant(candidate) }, { weight: 2, arbitrary: channel }),
    at: fc.integer({ min: 1, max: 10 * 24 * 60 }).map((minutesAgo) => new Date(at - minutesAgo * MINUTE)),
    outcome: fc.constantFrom(...CONTACT_OUTCOMES),
    debtId: fc.oneof({ weight: 4, arbitrary: fc.constant('debt-1') }, { weight: 1, arbitrary: fc.constant('debt-2') }),
  });
  return fc.array(entry, { maxLength: 12 });
}

export const contactCaseArbitrary = fc
  .record({
    jurisdiction: fc.constantFrom(...JURISDICTIONS),
    timezone: fc.constantFrom(...ZONES),
    channel,
    at: fc.oneof(instantNearAnchor, instantOnTheHour, anyInstant),
    // Every channel authorised, some, or none on record.
    consent: fc.oneof(
      { weight: 4, arbitrary: fc.constant([...CHANNELS] as Channel[]) },
      { weight: 1, arbitrary: fc.subarray([...CHANNELS]) },
      { weight: 1, arbitrary: fc.constant([] as Channel[]) },
    ),
    optedOut: fc.oneof(
      { weight: 5, arbitrary: fc.constant([] as Channel[]) },
      { weight: 1, arbitrary: fc.subarray([...CHANNELS]) },
    ),
    aricaRegion: fc.boolean(),
    holds: fc.oneof(
      { weight: 8, arbitrary: fc.constant([]) },
      { weight: 1, arbitrary: fc.subarray([...HOLDS], { maxLength: 2 }) },
    ),
  })
  .chain((base) =>
    pastContacts(base.at, base.channel).map((history) => ({
      jurisdiction: base.jurisdiction,
      contactCase: {
        timezone: base.timezone,
        // Chilean debtors sometimes live in Arica, which has a regional holiday.
        region: base.jurisdiction === 'CL' && base.aricaRegion ? 'AP' : undefined,
        channel: base.channel,
        at: new Date(base.at),
        debtId: 'debt-1',
        history,
        consent: base.consent,
        optedOut: base.optedOut,
        holds: base.holds,
      } satisfies ContactCase,
    })),
  );

const hhmm = (quarter: number) =>
  `${String(Math.floor(quarter / 4)).padStart(2, '0')}:${String((quarter % 4) * 15).padStart(2, '0')}`;

/**
 * Times a debtor said are inconvenient: any day, on the quarter hour (`to` up to 24:00), overnight
 * when `to` comes before `from`; mostly for the pack's default channels, sometimes for some named.
 */
export const inconvenientWindowsArbitrary: fc.Arbitrary<InconvenientWindow[]> = fc.array(
  fc
    .record({
      day: fc.constantFrom<WeekdayName>('sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'),
      from: fc.integer({ min: 0, max: 95 }),
      to: fc.integer({ min: 1, max: 96 }),
      channels: fc.oneof(
        { weight: 3, arbitrary: fc.constant(undefined) },
        { weight: 1, arbitrary: fc.subarray([...CHANNELS]) },
      ),
    })
    .filter((w) => w.from !== w.to)
    .map((w) => ({
      day: w.day,
      from: hhmm(w.from),
      to: hhmm(w.to),
      ...(w.channels ? { channels: w.channels } : {}),
    })),
  { minLength: 1, maxLength: 3 },
);

/** US debtors (the pack with the rule) with one to three inconvenient times, calls and visits mostly. */
export const inconvenientCaseArbitrary = fc
  .tuple(
    contactCaseArbitrary,
    inconvenientWindowsArbitrary,
    fc.oneof({ weight: 3, arbitrary: fc.constantFrom<Channel>('call', 'visit') }, { weight: 1, arbitrary: channel }),
  )
  .map(([{ contactCase: c }, inconvenient, ch]) => ({
    jurisdiction: 'US' as const,
    contactCase: { ...c, region: undefined, channel: ch, inconvenient } satisfies ContactCase,
  }));
