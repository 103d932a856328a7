import { ScoringModelErrorCode } from '../../src/model/domain/scoring-model.exception';
import {
  UCI_FEATURE_COLUMNS,
  UCI_PROTECTED_COLUMNS,
  UciColumn,
  fingerprintAccounts,
  parseUciCsv,
  uciRowToHistory,
} from '../../src/model/domain/uci';

const HEADER = 'ID,X1,X2,X3,X4,X5,X6,X7,X8,X9,X10,X11,X12,X13,X14,X15,X16,X17,X18,X19,X20,X21,X22,X23,Y';
// the first two rows of the UCI file
const ROW_1 = '1,20000,2,2,1,24,2,2,-1,-1,-2,-2,3913,3102,689,0,0,0,0,689,0,0,0,0,1';
const ROW_2 = '2,120000,2,2,2,26,-1,2,0,0,0,2,2682,1725,2682,3272,3455,3261,0,1000,1000,1000,0,2000,1';

function withProtected(row: string, sex: string, marital: string, age: string): string {
  const cells = row.split(',');
  cells[2] = sex;
  cells[4] = marital;
  cells[5] = age;
  return cells.join(',');
}

describe(uciRowToHistory.name, () => {
  it('never asks for the protected columns X2, X4 and X5', () => {
    const asked = new Set<string>();

    uciRowToHistory((column: UciColumn) => {
      asked.add(column);
      return 1;
    });

    for (const column of UCI_PROTECTED_COLUMNS) expect(asked).not.toContain(column);
    expect([...asked].sort()).toEqual([...UCI_FEATURE_COLUMNS].sort());
  });
});

describe(parseUciCsv.name, () => {
  it('maps a client to six statements, latest first, each payment against the statement before it', () => {
    const [sut] = parseUciCsv(`${HEADER}\n${ROW_2}\n`);

    expect(sut.id).toBe('2');
    expect(sut.defaulted).toBe(1);
    expect(sut.history.creditLimit).toBe(120_000);
    expect(sut.history.education).toBe('university');
    expect(sut.history.statements[0]).toEqual({ bill: 2682, paid: 0, status: -1 });
    expect(sut.history.statements[1]).toEqual({ bill: 1725, paid: 1000, status: 2 });
    expect(sut.history.statements[5]).toEqual({ bill: 3261, paid: 2000, status: 2 });
  });

  it('reads the same accounts whatever the protected columns hold, even text', () => {
    const original = parseUciCsv(`${HEADER}\n${ROW_1}\n${ROW_2}`);

    const altered = parseUciCsv(
      `${HEADER}\n${withProtected(ROW_1, 'x', 'unknown', '')}\n${withProtected(ROW_2, '1', '3', '99')}`,
    );

    expect(altered).toEqual(original);
  });

  it('accepts the columns in any order', () => {
    const header = HEADER.split(',');
    const order = header.map((_, i) => i).reverse();
    const reorder = (line: string): string => order.map((i) => line.split(',')[i]).join(',');

    expect(parseUciCsv(`${reorder(HEADER)}\n${reorder(ROW_1)}`)).toEqual(parseUciCsv(`${HEADER}\n${ROW_1}`));
  });

  it('names the line and column of a cell that is not a number', () => {
    const broken = ROW_2.replace(',3272,', ',n/a,');

    expect(() => parseUciCsv(`${HEADER}\n${ROW_1}\n${broken}`, 'a.csv')).toThrow(
      'a.csv line 3: column X15 is not a number',
    );
  });

  it('refuses a file without the label column', () => {
    expect(() => parseUciCsv(`${HEADER.replace(',Y', '')}\n${ROW_1.slice(0, -2)}`)).toThrow(
      expect.objectContaining({ code: ScoringModelErrorCode.InvalidDataset, field: 'Y' }),
    );
  });

  it('treats the undocumented education codes 0, 5 and 6 as unknown', () => {
    const row = ROW_1.split(',');
    row[3] = '5';

    const [sut] = parseUciCsv(`${HEADER}\n${row.join(',')}`);

    expect(sut.history.education).toBeUndefined();
  });
});

describe(fingerprintAccounts.name, () => {
  it('is stable for the same rows and changes when any row changes', () => {
    const accounts = parseUciCsv(`${HEADER}\n${ROW_1}\n${ROW_2}`);
    const changed = parseUciCsv(`${HEADER}\n${ROW_1}\n${ROW_2.replace(',2000,1', ',2001,1')}`);

    expect(fingerprintAccounts(accounts)).toBe(fingerprintAccounts(parseUciCsv(`${HEADER}\n${ROW_1}\n${ROW_2}`)));
    expect(fingerprintAccounts(accounts)).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(fingerprintAccounts(changed)).not.toBe(fingerprintAccounts(accounts));
  });
});
