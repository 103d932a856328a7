import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { parseBankCsv } from '../src/reconciliation/domain/bank-csv.parser';
import { parseCamt053 } from '../src/reconciliation/domain/camt053.parser';
import { parseGatewayCsv } from '../src/reconciliation/domain/gateway-csv.parser';
import { ParseResult, StatementLine, parseAmount } from '../src/reconciliation/domain/statement-line';

const fixture = (name: string) => readFileSync(join(__dirname, 'fixtures', name), 'utf8');

function linesOf(result: ParseResult): StatementLine[] {
  if (!result.ok) throw new Error(`expected the file to parse: ${JSON.stringify(result.problems)}`);
  return result.lines;
}
function problemsOf(result: ParseResult) {
  if (result.ok) throw new Error('expected the file to be refused');
  return result.problems;
}

describe(parseAmount.name, () => {
  it('reads decimals exactly in the minor units of each currency', () => {
    expect(parseAmount('250.00', 'USD')).toEqual({ minor: 25_000 });
    expect(parseAmount('0.10', 'USD')).toEqual({ minor: 10 });
    expect(parseAmount('300', 'USD')).toEqual({ minor: 30_000 });
    expect(parseAmount('1500', 'JPY')).toEqual({ minor: 1_500 });
    expect(parseAmount('1.234', 'KWD')).toEqual({ minor: 1_234 });
    expect(parseAmount('10.500', 'USD')).toEqual({ minor: 1_050 });
  });

  it('refuses sub-cent amounts, grouping, signs, exponents and unknown currencies with a reason', () => {
    expect(parseAmount('12.345', 'USD')).toEqual({ reason: expect.stringContaining('more than 2 decimal places') });
    expect(parseAmount('1.5', 'JPY')).toEqual({ reason: expect.stringContaining('more than 0 decimal places') });
    expect(parseAmount('1,000.00', 'USD')).toHaveProperty('reason');
    expect(parseAmount('+5', 'USD')).toHaveProperty('reason');
    expect(parseAmount('1e3', 'USD')).toHaveProperty('reason');
    expect(parseAmount('5.00', 'usd')).toEqual({ reason: 'currency "usd" is not an ISO 4217 code' });
    expect(parseAmount('5.00', 'XYZ')).toEqual({ reason: 'currency "XYZ" is not an ISO 4217 code' });
  });

  it('gives back every integer amount written as a decimal, never through a float', () => {
    fc.assert(
      fc.property(fc.constantFrom('USD', 'JPY', 'KWD', 'COP'), fc.maxSafeNat(), (currency, minor) => {
        const digits = { USD: 2, JPY: 0, KWD: 3, COP: 2 }[currency]!;
        const s = String(minor).padStart(digits + 1, '0');
        const decimal = digits ? `${s.slice(0, -digits)}.${s.slice(-digits)}` : s;
        expect(parseAmount(decimal, currency)).toEqual({ minor });
      }),
    );
  });
});

describe(parseCamt053.name, () => {
  it('reads a camt.053.001.02 statement: credits, debits, pending entries, references and dates', () => {
    const lines = linesOf(parseCamt053(fixture('camt053-001-02.xml')));
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatchObject({
      entryIndex: 1,
      path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]',
      direction: 'credit',
      amountMinor: 25_000,
      currency: 'USD',
      valueDate: '2026-03-01',
      reference: 'Cuota LN-5001-0001 marzo',
      counterpartyAccount: 'DE02120300000000202051',
      bankReference: 'BANK-TX-0001',
    });
    expect(lines[0].notPayable).toBeUndefined();
    expect(lines[1]).toMatchObject({
      amountMinor: 12_000,
      valueDate: '2026-03-01',
      reference: 'pago credito 5001 0002',
    });
    expect(lines[2]).toMatchObject({ amountMinor: 7_770, counterpartyAccount: '000123456789' });
    expect(lines[3]).toMatchObject({ direction: 'debit', notPayable: 'debit: money left the account' });
    expect(lines[4]).toMatchObject({ direction: 'credit', notPayable: 'entry status PDNG: not booked' });
  });

  it('reads a camt.053.001.08 statement with prefixed elements and a coded status', () => {
    const [line] = linesOf(parseCamt053(fixture('camt053-001-08.xml')));
    expect(line).toMatchObject({
      direction: 'credit',
      amountMinor: 30_000,
      valueDate: '2026-03-02',
      reference: 'LN-7002-0004 RF18539007547034',
      bankReference: 'B8-TX-1',
    });
    expect(line.notPayable).toBeUndefined();
  });

  it('reads a booked debit that returns a credit as a return, with the ids that may name the credit and the reason code', () => {
    const entry = (inner: string) =>
      `<Ntry><Amt Ccy="USD">80.00</Amt><CdtDbtInd>DBIT</CdtDbtInd>${inner}<Sts>BOOK</Sts><BookgDt><Dt>2026-03-04</Dt></BookgDt><AcctSvcrRef>RET-1</AcctSvcrRef>`;
    const statement = (...entries: string[]) =>
      `<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr><MsgId>M</MsgId><CreDtTm>2026-03-04T06:00:00Z</CreDtTm></GrpHdr><Stmt><Id>S</Id><CreDtTm>2026-03-04T06:00:00Z</CreDtTm><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct>${entries.join('')}</Stmt></BkToCstmrStmt></Document>`;
    const details = (refs: string, returnInfo = '') =>
      `<NtryDtls><TxDtls><Refs>${refs}</Refs>${returnInfo}</TxDtls></NtryDtls></Ntry>`;
    const lines = linesOf(
      parseCamt053(
        statement(
          // Marked as a reversal, with the original's EndToEndId and its bank's reference.
          entry('<RvslInd>true</RvslInd>') +
            details(
              '<EndToEndId>E2E-9</EndToEndId><AcctSvcrRef>BANK-TX-9</AcctSvcrRef>',
              '<RtrInf><Rsn><Cd>AM04</Cd></Rsn></RtrInf>',
            ),
          // Return information alone makes a return too; NOTPROVIDED names nothing.
          entry('') +
            details(
              '<EndToEndId>NOTPROVIDED</EndToEndId><TxId>TX-7</TxId>',
              '<RtrInf><Rsn><Cd>MD06</Cd></Rsn></RtrInf>',
            ),
          // A plain debit (a fee) is no return.
          entry('') + details('<EndToEndId>FEE-1</EndToEndId>'),
        ),
      ),
    );
    expect(lines.map((l) => [l.returnOf, l.notPayable])).toEqual([
      [{ links: ['E2E-9', 'BANK-TX-9'], reason: 'nsf', code: 'AM04' }, 'return of a credit (AM04)'],
      [{ links: ['TX-7'], reason: 'nsf', code: 'MD06' }, 'return of a credit (MD06)'],
      [undefined, 'debit: money left the account'],
    ]);
  });

  it('refuses a statement that breaks the schema, naming the XML path and the reason of each problem', () => {
    expect(problemsOf(parseCamt053(fixture('camt053-invalid.xml')))).toEqual([
      { path: '/Document/BkToCstmrStmt/GrpHdr/MsgId', reason: 'required element is missing' },
      { path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[2]/Amt/@Ccy', reason: 'required currency attribute is missing' },
      {
        path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Amt',
        reason: 'amount "12.345" has more than 2 decimal places, the minor unit of USD',
      },
      { path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/CdtDbtInd', reason: 'must be CRDT or DBIT, got "CREDIT"' },
      { path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[3]/Sts', reason: 'required element is missing' },
    ]);
  });

  it('refuses what is not XML, with the line of the fault', () => {
    const [problem] = problemsOf(parseCamt053('booking_date,amount\n2026-03-01,5.00\n'));
    expect(problem.reason).toMatch(/^not well-formed XML/);
    expect(problem.line).toBe(1);
    expect(problemsOf(parseCamt053('<Document><BkToCstmrStmt></Document>'))[0].reason).toMatch(/not well-formed XML/);
  });

  it('refuses another root element or an unsupported namespace', () => {
    expect(problemsOf(parseCamt053('<Invoice xmlns="urn:x"/>'))).toEqual([
      { path: '/Invoice', reason: 'root element must be Document, got Invoice' },
    ]);
    const [problem] = problemsOf(
      parseCamt053('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"><BkToCstmrRpt/></Document>'),
    );
    expect(problem.path).toBe('/Document');
    expect(problem.reason).toMatch(
      /namespace "urn:iso:std:iso:20022:tech:xsd:camt.052.001.02" is not a supported camt.053 version/,
    );
  });

  it('requires the statement id, account, entry date and a well-formed currency code', () => {
    const xml = `<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>
      <GrpHdr><MsgId>M</MsgId><CreDtTm>yesterday</CreDtTm></GrpHdr>
      <Stmt><CreDtTm>2026-03-02T06:00:00Z</CreDtTm>
        <Ntry><Amt Ccy="US">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts></Ntry>
      </Stmt></BkToCstmrStmt></Document>`;
    expect(problemsOf(parseCamt053(xml))).toEqual([
      { path: '/Document/BkToCstmrStmt/GrpHdr/CreDtTm', reason: '"yesterday" is not an ISO 8601 date-time' },
      { path: '/Document/BkToCstmrStmt/Stmt[1]/Id', reason: 'required element is missing' },
      { path: '/Document/BkToCstmrStmt/Stmt[1]/Acct', reason: 'required element is missing' },
      { path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/Amt', reason: 'currency "US" is not an ISO 4217 code' },
      {
        path: '/Document/BkToCstmrStmt/Stmt[1]/Ntry[1]/BookgDt',
        reason: 'BookgDt or ValDt is required: a payment needs a date',
      },
    ]);
  });
});

describe(parseBankCsv.name, () => {
  it('reads signed amounts, dates and references; debits are recorded but never payable', () => {
    const lines = linesOf(parseBankCsv(fixture('bank-statement.csv')));
    expect(lines.map((l) => [l.line, l.entryIndex, l.direction, l.amountMinor, l.valueDate, l.reference])).toEqual([
      [2, 1, 'credit', 15_000, '2026-03-01', 'Pago acct-d'],
      [3, 2, 'credit', 4_550, '2026-03-01', 'abono 5001-0003, gracias'],
      [4, 3, 'debit', 2_000, '2026-03-01', 'comision'],
    ]);
    expect(lines[2].notPayable).toBe('debit: money left the account');
  });

  it('refuses the whole file when a line is bad, naming each bad line', () => {
    expect(problemsOf(parseBankCsv(fixture('bank-statement-bad.csv')))).toEqual([
      { line: 3, reason: 'amount "12,50" is not a decimal like 1234.56 (no sign, no grouping)' },
      { line: 4, reason: 'booking_date "2026-13-01" is not a date YYYY-MM-DD' },
    ]);
  });

  it('names the missing columns of a header', () => {
    expect(problemsOf(parseBankCsv('date,amount\n2026-03-01,5.00\n'))).toEqual([
      { line: 1, reason: 'header lacks required columns: booking_date, currency, reference' },
    ]);
  });
});

describe(parseGatewayCsv.name, () => {
  it('posts charges at their gross amount and records refunds and payouts without posting them', () => {
    const lines = linesOf(parseGatewayCsv(fixture('gateway-settlement.csv')));
    expect(lines.map((l) => [l.bankReference, l.direction, l.amountMinor, l.valueDate, l.notPayable])).toEqual([
      ['txn_0001', 'credit', 9_990, '2026-03-01', undefined],
      ['txn_0002', 'debit', 1_000, '2026-03-01', 'refund: not money paid in by a debtor'],
      ['txn_0003', 'debit', 50_000, '2026-03-01', 'payout: not money paid in by a debtor'],
    ]);
  });

  it('reads a chargeback as a return of the charge its reference names', () => {
    const csv = [
      'id,type,amount,fee,currency,reference,created',
      'dp_1,chargeback,-99.90,15.00,USD,txn_0001,2026-03-05T09:00:00Z',
      'dp_2,chargeback,-10.00,15.00,USD,,2026-03-05T09:00:00Z',
    ].join('\n');
    expect(linesOf(parseGatewayCsv(csv)).map((l) => [l.direction, l.amountMinor, l.returnOf])).toEqual([
      ['debit', 9_990, { links: ['txn_0001'], reason: 'chargeback' }],
      ['debit', 1_000, { links: [], reason: 'chargeback' }],
    ]);
  });

  it('refuses duplicate ids, unknown types and bad instants with their line numbers', () => {
    const csv = [
      'id,type,amount,fee,currency,reference,created',
      'a,charge,1.00,0.10,USD,x,2026-03-01T10:00:00Z',
      'a,charge,1.00,0.10,USD,x,2026-03-01T10:00:00Z',
      'b,gift,1.00,0,USD,x,2026-03-01T10:00:00Z',
      'c,charge,1.00,0,USD,x,01/03/2026',
      'd,charge,-1.00,0,USD,x,2026-03-01T10:00:00Z',
    ].join('\n');
    expect(problemsOf(parseGatewayCsv(csv))).toEqual([
      { line: 3, reason: 'id a already appeared on line 2' },
      { line: 4, reason: expect.stringMatching(/^type "gift" is not one of charge, payment, refund/) },
      { line: 5, reason: 'created "01/03/2026" is not an ISO 8601 instant like 2026-03-01T10:15:00Z' },
      { line: 6, reason: 'a charge must have a positive amount, got -1.00' },
    ]);
  });
});
