import fc from 'fast-check';

/**
 * The parts of kafkajs 2.2.4 this platform patches (patches/kafkajs@2.2.4.patch, applied by pnpm
 * at install): the record encoder writes its headers and varints in place instead of allocating
 * an encoder per header and a Buffer per varint; the record decoder fills one headers object
 * instead of copying it once per header, and works out offsets and timestamps in doubles while
 * they are exact there instead of through a Long per varint byte; and the producer groups a send's
 * messages by partition in one pass instead of copying each partition's list for every message.
 * All must keep what they did: the bytes are checked against Kafka's record format (v2 record,
 * "Record => Length Attributes TimestampDelta OffsetDelta Key Value Headers", written here from the
 * protocol, not from kafkajs), the grouping against a plain one. One difference, on purpose: a
 * header named like a member of Object.prototype (`toString`, `__proto__`) now decodes to its
 * value, where kafkajs gave an array of the inherited member and the value.
 */
type HeaderValue = string | Buffer;
interface RecordInput {
  offsetDelta: number;
  timestampDelta: number;
  key: string | Buffer | null;
  value: string | Buffer | null;
  headers: Record<string, HeaderValue | HeaderValue[]>;
}
interface Message {
  key: string;
  partition: number;
}

/* eslint-disable @typescript-eslint/no-require-imports -- kafkajs's internals have no typings */
const encodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (record: RecordInput) => {
  buffer: Buffer;
};
const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder') as (
  decoder: unknown,
  batchContext: { firstOffset: string; firstTimestamp: string; magicByte: number; maxTimestamp: string },
) => { timestamp: string; offset: string; key: Buffer | null; value: Buffer | null; headers: object };
const KafkaDecoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => object;
const groupMessagesPerPartition = require('kafkajs/src/producer/groupMessagesPerPartition') as (args: {
  topic: string;
  partitionMetadata: { partitionId: number }[];
  messages: Message[];
  partitioner: (args: { message: Message }) => number;
}) => Record<string, Message[]>;
/* eslint-enable @typescript-eslint/no-require-imports */

/** Kafka's varint: zigzag, then 7 bits a byte, least significant first. */
function varint(n: number | bigint): number[] {
  let z = BigInt.asUintN(64, (BigInt(n) << 1n) ^ (BigInt(n) >> 63n));
  const out: number[] = [];
  while (z >= 0x80n) {
    out.push(Number(z & 0x7fn) | 0x80);
    z >>= 7n;
  }
  out.push(Number(z));
  return out;
}

/** Length-prefixed bytes (a string as UTF-8), -1 for null. */
function varBytes(v: string | Buffer | null): number[] {
  if (v === null) return varint(-1);
  const bytes = Buffer.isBuffer(v) ? v : Buffer.from(v, 'utf8');
  return [...varint(bytes.length), ...bytes];
}

function kafkaRecord(r: RecordInput): Buffer {
  const headers = Object.keys(r.headers).flatMap((k) => {
    const v = r.headers[k];
    return (Array.isArray(v) ? v : [v]).map((value) => [k, value] as const);
  });
  const body = [
    0, // attributes
    ...varint(r.timestampDelta),
    ...varint(r.offsetDelta),
    ...varBytes(r.key),
    ...varBytes(r.value),
    ...varint(headers.length),
    ...headers.flatMap(([k, v]) => [...varBytes(k), ...varBytes(v)]),
  ];
  return Buffer.from([...varint(body.length), ...body]);
}

const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a));
const text = fc.string({ unit: 'grapheme', maxLength: 60 });
const headerValue = fc.oneof(text, bytes);

describe('kafkajs as patched (patches/kafkajs@2.2.4.patch)', () => {
  it("encodes every record exactly as Kafka's record format has it", () => {
    fc.assert(
      fc.property(
        fc.record({
          offsetDelta: fc.oneof(fc.integer({ min: 0, max: 600 }), fc.integer({ min: 0, max: 2 ** 31 - 1 })),
          timestampDelta: fc.oneof(fc.integer({ min: 0, max: 1_000 }), fc.maxSafeNat()),
          key: fc.oneof(fc.constant(null), text, bytes),
          value: fc.oneof(fc.constant(null), text, bytes),
          headers: fc.dictionary(
            fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
            fc.oneof(headerValue, fc.array(headerValue, { minLength: 1, maxLength: 3 })),
            { maxKeys: 12 },
          ),
        }),
        (record) => {
          expect(encodeRecord(record).buffer.equals(kafkaRecord(record))).toBe(true);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('encodes the headers the platform sends (a CloudEvents envelope) byte for byte', () => {
    const record: RecordInput = {
      offsetDelta: 499,
      timestampDelta: 1_764_790_000_000,
      key: 'acct-123',
      value: Buffer.alloc(150, 7),
      headers: {
        ce_id: '6f1c2d8e-1b2a-4c3d-9e8f-0a1b2c3d4e5f',
        ce_type: 'collections.promises.v1.PromiseKept',
        ce_time: '2026-12-03T19:00:00.000Z',
        ce_tenantid: 'tenant-ñ',
        traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01',
      },
    };
    expect(encodeRecord(record).buffer.toString('hex')).toBe(kafkaRecord(record).toString('hex'));
  });

  it("decodes every record exactly as Kafka's record format has it", () => {
    const int64 = (min: bigint, max: bigint) => fc.bigInt({ min, max }).map(String);
    fc.assert(
      fc.property(
        fc.record({
          // a realistic batch start, one past what a double holds exactly, and "none" (-1)
          firstOffset: fc.oneof(int64(0n, 10n ** 9n), int64(2n ** 53n, 2n ** 63n - 2n ** 32n)),
          firstTimestamp: fc.oneof(
            int64(1_700_000_000_000n, 1_800_000_000_000n),
            fc.constant('-1'),
            int64(2n ** 53n, 2n ** 62n),
          ),
          offsetDelta: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
          // varints of 1 to 10 bytes, either sign (records need not come in timestamp order)
          timestampDelta: fc.oneof(
            fc.integer({ min: -1_000, max: 1_000 }),
            fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
          ),
          key: fc.oneof(fc.constant(null), bytes),
          value: fc.oneof(fc.constant(null), bytes),
          headers: fc.array(
            fc.tuple(
              fc.oneof(
                fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
                fc.constantFrom('toString', 'constructor', '__proto__', 'ce_id'),
              ),
              fc.oneof(fc.constant(null), bytes),
            ),
            { maxLength: 12 },
          ),
        }),
        (r) => {
          // the headers in the order written, as kafkajs hands them over: a repeated one as an array
          const expected: Record<string, Buffer | null | (Buffer | null)[]> = {};
          for (const [k, v] of r.headers) {
            const seen = Object.prototype.hasOwnProperty.call(expected, k) ? expected[k] : undefined;
            const next = seen === undefined ? v : Array.isArray(seen) ? [...seen, v] : [seen, v];
            Object.defineProperty(expected, k, { value: next, enumerable: true, writable: true, configurable: true });
          }
          // Record (after its Length) => Attributes TimestampDelta OffsetDelta Key Value Headers, headers as generated (they may repeat)
          const body = [
            0,
            ...varint(r.timestampDelta),
            ...varint(r.offsetDelta),
            ...varBytes(r.key),
            ...varBytes(r.value),
            ...varint(r.headers.length),
            ...r.headers.flatMap(([k, v]) => [...varBytes(k), ...varBytes(v)]),
          ];
          const decoded = decodeRecord(new KafkaDecoder(Buffer.from(body)), {
            firstOffset: r.firstOffset,
            firstTimestamp: r.firstTimestamp,
            magicByte: 2,
            maxTimestamp: r.firstTimestamp,
          });
          expect(decoded.offset).toBe(String(BigInt(r.firstOffset) + BigInt(r.offsetDelta)));
          expect(decoded.timestamp).toBe(String(BigInt(r.firstTimestamp) + BigInt(r.timestampDelta)));
          expect(decoded.key).toEqual(r.key);
          expect(decoded.value).toEqual(r.value);
          expect(Object.keys(decoded.headers)).toEqual(Object.keys(expected));
          for (const k of Object.keys(expected))
            expect(Object.getOwnPropertyDescriptor(decoded.headers, k)?.value).toEqual(expected[k]);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("groups a send's messages by partition, each partition's in the order sent", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 600 }), (partitions) => {
        const messages = partitions.map((partition, i) => ({ key: `m${i}`, partition }));
        const grouped = groupMessagesPerPartition({
          topic: 't',
          partitionMetadata: [0, 1, 2, 3, 4, 5].map((partitionId) => ({ partitionId })),
          messages,
          partitioner: ({ message }) => message.partition,
        });
        const expected: Record<string, Message[]> = {};
        for (const m of messages) expected[m.partition] = [...(expected[m.partition] ?? []), m];
        expect(grouped).toEqual(expected);
      }),
    );
  });
});
