import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EntityManager } from 'typeorm';
import { ERASED } from '../decisions/erased';
import { LETTER_COLUMNS, LETTER_ID, csvLine, csvRecords, writeLetterFile } from './usecases/letter-export.usecase';

/** The fields of a letter that say who it is for and what it told them: erased with the debtor. */
const PERSONAL_FIELDS = ['recipient_name', 'postal_address', 'subject', 'body'].map((c) =>
  LETTER_COLUMNS.indexOf(c as (typeof LETTER_COLUMNS)[number]),
);

/**
 * The debtor's letters in the print files still in `directory` (the vendor's mount), their name,
 * postal address and text replaced by `erased`: each file is rewritten whole under a temporary
 * name and renamed into place, as the export writes it. The batch, the sequence, the letter id and
 * the account reference stay, so the file still says which letters went (the export's resume
 * reads the letter ids) and the books can be reconciled with the vendor's invoice. A file the
 * vendor already took is beyond this service: the tenant asks its print vendor, as processor, to
 * erase its copy. Returns the letters erased.
 */
export async function eraseLettersOf(
  tx: EntityManager,
  directory: string,
  tenantId: string,
  debtorId: string,
): Promise<number> {
  const letters = (await tx.query(
    `SELECT b.file_name, i.schedule_id::text AS letter_id FROM letter_print_item i
       JOIN letter_print_batch b ON b.tenant_id = i.tenant_id AND b.id = i.batch_id
      WHERE i.tenant_id = $1 AND i.debtor_id = $2 AND b.file_name <> ''`,
    [tenantId, debtorId],
  )) as { file_name: string; letter_id: string }[];
  const byFile = new Map<string, Set<string>>();
  for (const l of letters) byFile.set(l.file_name, (byFile.get(l.file_name) ?? new Set()).add(l.letter_id));
  let erased = 0;
  for (const [fileName, ids] of byFile) {
    const path = join(directory, fileName);
    if (!existsSync(path)) continue;
    const records = csvRecords(readFileSync(path, 'utf8'));
    let changed = false;
    for (const [i, record] of records.entries()) {
      if (i === 0 || !ids.has(record[LETTER_ID])) continue;
      for (const field of PERSONAL_FIELDS)
        if (record[field] !== ERASED) {
          record[field] = ERASED;
          changed = true;
        }
      erased += 1;
    }
    if (!changed) continue;
    writeLetterFile(path, records.map((r) => csvLine(r)).join(''));
  }
  return erased;
}
