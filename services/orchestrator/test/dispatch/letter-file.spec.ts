import { LETTER_COLUMNS, csvLine } from '../../src/dispatch/usecases/letter-export.usecase';

describe('the print vendor’s letter file', () => {
  it('writes RFC 4180 lines: every field quoted, quotes doubled, commas and line breaks kept inside', () => {
    expect(csvLine(['Calle 10 # 5-51, Bogotá', 'dijo "pago"', 'línea 1\nlínea 2', 3])).toBe(
      '"Calle 10 # 5-51, Bogotá","dijo ""pago""","línea 1\nlínea 2","3"\r\n',
    );
  });

  it('starts with the header the vendor maps', () => {
    expect(csvLine(LETTER_COLUMNS)).toBe(
      '"batch_id","sequence","letter_id","account_reference","recipient_name","postal_address","locale","subject","body"\r\n',
    );
  });
});
