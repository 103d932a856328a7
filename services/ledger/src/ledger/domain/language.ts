/**
 * A BCP 47 language tag as the ledger takes one: a 2- or 3-letter language, then subtags (es,
 * pt-BR, zh-Hant-TW). '' is not one: it means the language is unknown, which every writer accepts.
 */
export const isLanguageTag = (tag: string): boolean => /^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(tag);
