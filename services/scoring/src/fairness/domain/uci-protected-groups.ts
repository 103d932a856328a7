/**
 * The protected attributes of the UCI file as readable groups, for the fairness report only. This
 * is the one place that reads X2, X4 and X5; what it returns goes to `fairnessReport`, never to a
 * feature or a model.
 */
export const UCI_PROTECTED_ATTRIBUTES = {
  X2: 'sex',
  X4: 'marital_status',
  X5: 'age_band',
} as const;

export type UciProtectedColumn = keyof typeof UCI_PROTECTED_ATTRIBUTES;

const SEX: Readonly<Record<string, string>> = { '1': 'male', '2': 'female' };
const MARITAL_STATUS: Readonly<Record<string, string>> = { '1': 'married', '2': 'single', '3': 'other' };

export const AGE_BANDS: readonly string[] = ['<25', '25-34', '35-44', '45-54', '55-64', '65+'];

/** Display order of the UCI groups. */
export const UCI_GROUP_ORDER: Readonly<Record<string, readonly string[]>> = {
  sex: ['female', 'male'],
  marital_status: ['married', 'single', 'other'],
  age_band: AGE_BANDS,
};

/** Age bands of ten years from 25, the usual cut in credit fairness studies; under 25 and 65+ at the ends. */
export function ageBand(age: number): string {
  if (!Number.isFinite(age)) return 'unknown';
  if (age < 25) return '<25';
  if (age >= 65) return '65+';
  const lower = 25 + Math.floor((age - 25) / 10) * 10;
  return `${lower}-${lower + 9}`;
}

/** The group of one protected cell: documented codes by name, undocumented ones as `code <n>`. */
export function uciProtectedGroup(column: string, cell: string): string {
  const value = cell.trim().replace(/^"|"$/g, '');
  if (value === '') return 'unknown';
  if (column === 'X2') return SEX[value] ?? `code ${value}`;
  if (column === 'X4') return MARITAL_STATUS[value] ?? `code ${value}`;
  if (column === 'X5') return ageBand(Number(value));
  return value;
}

/**
 * Reads the given protected columns of a UCI-format CSV, keyed by ID: attribute name -> group.
 * `columns` maps a column to the attribute name it reports under (by default X2 sex, X4
 * marital_status, X5 age_band; any other column a tenant marks protected is reported as its raw
 * values).
 */
export function readProtectedGroups(
  text: string,
  columns: Readonly<Record<string, string>> = UCI_PROTECTED_ATTRIBUTES,
): Map<string, Record<string, string>> {
  const lines = text.split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((name) => name.trim().replace(/^"|"$/g, ''));
  const idIndex = header.indexOf('ID');
  const wanted = Object.entries(columns).map(([column, attribute]) => {
    const index = header.indexOf(column);
    if (index < 0) throw new RangeError(`protected column ${column} is missing from the header`);
    return { column, attribute, index };
  });
  const groups = new Map<string, Record<string, string>>();
  for (let line = 1; line < lines.length; line++) {
    if (lines[line].trim() === '') continue;
    const cells = lines[line].split(',');
    const id = idIndex >= 0 ? (cells[idIndex] ?? '').trim() : String(line);
    const row: Record<string, string> = {};
    for (const { column, attribute, index } of wanted) row[attribute] = uciProtectedGroup(column, cells[index] ?? '');
    groups.set(id, row);
  }
  return groups;
}
