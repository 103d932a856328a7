import { LETTER_COLUMNS, csvLine, letterIdsIn } from '../../src/dispatch/usecases/letter-export.usecase';

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

  it('says which letters a file holds (a re-run of a batch whose file is written reads it back)', () => {
    const file =
      csvLine(LETTER_COLUMNS) +
      csvLine([
        'b1',
        1,
        'id-1',
        'TC-1',
        'Ana "la" Pérez',
        'Calle 10, Bogotá',
        'es',
        'Aviso',
        'Hola,\r\n"id-x",\nadiós',
      ]) +
      csvLine(['b1', 2, 'id-"2"', 'TC-2', 'Luis', 'Carrera 7', 'es', '', 'Cuerpo']);
    expect([...letterIdsIn(file)]).toEqual(['id-1', 'id-"2"']);
    expect(letterIdsIn(csvLine(LETTER_COLUMNS)).size).toBe(0);
  });
});
