import { BankruptcyChapter } from './generated/collections/ledger/v1/ledger';

/**
 * A chapter of the US Bankruptcy Code (title 11 U.S.C.) a bankruptcy hold may record, as its
 * number: a value of the ledger's `BankruptcyChapter` other than "none on record" (UNSPECIFIED)
 * and ts-proto's UNRECOGNIZED.
 */
export type BankruptcyChapterNumber = Exclude<
  BankruptcyChapter,
  BankruptcyChapter.BANKRUPTCY_CHAPTER_UNSPECIFIED | BankruptcyChapter.UNRECOGNIZED
>;

/**
 * Every chapter (7, 11, 12, 13) in the proto's order, read off the generated enum: the one list
 * the ledger (SetHold) and the orchestrator (rule packs, co-party holds) both check chapters against.
 */
export const BANKRUPTCY_CHAPTERS: readonly BankruptcyChapterNumber[] = Object.values(BankruptcyChapter).filter(
  (value): value is BankruptcyChapterNumber => typeof value === 'number' && value > 0,
);

/** Whether `value` is the number of a chapter on the list (not 0, none on record). */
export function isBankruptcyChapter(value: unknown): value is BankruptcyChapterNumber {
  return (BANKRUPTCY_CHAPTERS as readonly unknown[]).includes(value);
}
