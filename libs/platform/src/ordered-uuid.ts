import { randomBytes } from 'node:crypto';

let lastMs = 0;
let sequence = 0;
/** Random bits drawn 64 KiB at a time: one syscall per 8,192 ids instead of one per id. */
let pool = Buffer.alloc(0);
let poolOffset = 0;

/**
 * A time-ordered UUID (version 7: milliseconds, then a sequence, then random bits). Ids made one
 * after another land at the right edge of the primary-key indexes that hold them instead of on
 * random pages, which keeps writes cheap as the table grows: the ledger's journal entries (of
 * postings and of large imports alike), and the event ids every consumer's inbox records.
 */
export function orderedUuid(): string {
  let ms = Date.now();
  if (ms <= lastMs) {
    sequence += 1;
    if (sequence > 0xfff) {
      lastMs += 1;
      sequence = 0;
    }
    ms = lastMs;
  } else {
    lastMs = ms;
    sequence = 0;
  }
  if (poolOffset + 8 > pool.length) {
    pool = randomBytes(1 << 16);
    poolOffset = 0;
  }
  const random = pool.subarray(poolOffset, poolOffset + 8);
  poolOffset += 8;
  random[0] = (random[0] & 0x3f) | 0x80;
  const hex = ms.toString(16).padStart(12, '0') + (0x7000 | sequence).toString(16) + random.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
