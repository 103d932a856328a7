import { XMLParser, XMLValidator } from 'fast-xml-parser';
import {
  MAX_PROBLEMS,
  ParseProblem,
  ParseResult,
  StatementLine,
  StatementReturn,
  isCalendarDate,
  parseAmount,
} from './statement-line';

/** camt.053 versions whose structure this reader knows (the entry status changed shape in .08). */
export const CAMT053_NAMESPACES: readonly string[] = ['02', '03', '04', '05', '06', '07', '08'].map(
  (v) => `urn:iso:std:iso:20022:tech:xsd:camt.053.001.${v}`,
);

type Node = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  // Amounts, references and ids stay strings: "0100.10" or "00123" must not become numbers.
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
});
const rootReader = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false });

const asArray = (v: unknown): unknown[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const isNode = (v: unknown): v is Node => typeof v === 'object' && v !== null && !Array.isArray(v);
/** Text content of an element, whether it carries attributes or not. */
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (isNode(v) && typeof v['#text'] === 'string') return v['#text'];
  if (isNode(v) && Object.keys(v).every((k) => k.startsWith('@'))) return '';
  return undefined;
}
const ISO_DATE_TIME = /^(\d{4}-\d{2}-\d{2})T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$/;

/**
 * ISO 20022 camt.053 (bank-to-customer statement), versions .001.02 to .001.08. The file is
 * first checked as XML, then against the rules of the camt.053 XSD that matter here (a
 * hand-written validator, not a full XSD engine: see docs/reconciliation.md). Any problem
 * refuses the whole file and names the XML path. Only booked credits (CRDT, BOOK) can
 * become payments; debits and pending or informational entries are recorded and ignored.
 */
export function parseCamt053(xml: string): ParseResult {
  const wellFormed = XMLValidator.validate(xml);
  if (wellFormed !== true) {
    return {
      ok: false,
      problems: [
        {
          line: wellFormed.err.line,
          path: '/',
          reason: `not well-formed XML: ${wellFormed.err.msg} (column ${wellFormed.err.col})`,
        },
      ],
    };
  }
  const root = rootElement(rootReader.parse(xml) as Node);
  if (!root) return { ok: false, problems: [{ path: '/', reason: 'the XML has no root element' }] };
  if (root.localName !== 'Document')
    return {
      ok: false,
      problems: [{ path: `/${root.name}`, reason: `root element must be Document, got ${root.localName}` }],
    };
  if (!CAMT053_NAMESPACES.includes(root.namespace)) {
    return {
      ok: false,
      problems: [
        {
          path: '/Document',
          reason: `namespace "${root.namespace}" is not a supported camt.053 version (expected one of ${CAMT053_NAMESPACES.join(', ')})`,
        },
      ],
    };
  }
  const doc = (parser.parse(xml) as Node).Document;
  return new Camt053Reader().read(doc);
}

function rootElement(parsed: Node): { name: string; localName: string; namespace: string } | undefined {
  const name = Object.keys(parsed).find((k) => !k.startsWith('?') && !k.startsWith('#') && !k.startsWith('!'));
  if (!name) return undefined;
  const element = parsed[name];
  const prefix = name.includes(':') ? name.slice(0, name.indexOf(':')) : '';
  const attrs = isNode(element) ? element : {};
  const namespace = attrs[prefix ? `@xmlns:${prefix}` : '@xmlns'];
  return {
    name,
    localName: prefix ? name.slice(prefix.length + 1) : name,
    namespace: typeof namespace === 'string' ? namespace : '',
  };
}

class Camt053Reader {
  private readonly problems: ParseProblem[] = [];

  read(doc: unknown): ParseResult {
    const lines: StatementLine[] = [];
    const rpt = this.child(doc, 'BkToCstmrStmt', '/Document');
    if (rpt) {
      const grpHdr = this.child(rpt, 'GrpHdr', '/Document/BkToCstmrStmt');
      if (grpHdr) {
        this.requiredText(grpHdr, 'MsgId', '/Document/BkToCstmrStmt/GrpHdr', 35);
        this.dateTime(grpHdr, 'CreDtTm', '/Document/BkToCstmrStmt/GrpHdr');
      }
      const stmts = asArray(rpt.Stmt);
      if (stmts.length === 0) this.problem('/Document/BkToCstmrStmt/Stmt', 'required element is missing');
      stmts.forEach((stmt, s) => {
        const at = `/Document/BkToCstmrStmt/Stmt[${s + 1}]`;
        this.requiredText(stmt, 'Id', at, 35);
        this.dateTime(stmt, 'CreDtTm', at);
        const acct = this.child(stmt, 'Acct', at);
        const acctId = acct && this.child(acct, 'Id', `${at}/Acct`);
        if (acctId && !text(acctId.IBAN) && !text(isNode(acctId.Othr) ? acctId.Othr.Id : undefined))
          this.problem(`${at}/Acct/Id`, 'needs IBAN or Othr/Id');
        asArray(isNode(stmt) ? stmt.Ntry : undefined).forEach((ntry, n) => {
          const line = this.entry(ntry, `${at}/Ntry[${n + 1}]`, lines.length + 1);
          if (line) lines.push(line);
        });
      });
    }
    if (this.problems.length) return { ok: false, problems: this.problems.slice(0, MAX_PROBLEMS) };
    return { ok: true, lines };
  }

  private entry(ntry: unknown, at: string, entryIndex: number): StatementLine | undefined {
    const before = this.problems.length;
    const amt = isNode(ntry) ? ntry.Amt : undefined;
    const amountText = text(amt);
    const currency = isNode(amt) && typeof amt['@Ccy'] === 'string' ? amt['@Ccy'] : undefined;
    let amountMinor = 0;
    if (amountText === undefined) this.problem(`${at}/Amt`, 'required element is missing');
    else if (currency === undefined) this.problem(`${at}/Amt/@Ccy`, 'required currency attribute is missing');
    else {
      const amount = parseAmount(amountText, currency);
      if ('reason' in amount) this.problem(`${at}/Amt`, amount.reason);
      else amountMinor = amount.minor;
    }
    const indicator = this.requiredText(ntry, 'CdtDbtInd', at);
    if (indicator !== undefined && indicator !== 'CRDT' && indicator !== 'DBIT')
      this.problem(`${at}/CdtDbtInd`, `must be CRDT or DBIT, got "${indicator}"`);
    const status = this.status(ntry, at);
    const bookingDate = this.date(ntry, 'BookgDt', at);
    const valueDate = this.date(ntry, 'ValDt', at);
    if (isNode(ntry) && ntry.BookgDt === undefined && ntry.ValDt === undefined)
      this.problem(`${at}/BookgDt`, 'BookgDt or ValDt is required: a payment needs a date');
    if (this.problems.length > before || !isNode(ntry)) return undefined;
    const reversal = text(ntry.RvslInd) === 'true';
    const txs = asArray(isNode(ntry.NtryDtls) ? ntry.NtryDtls.TxDtls : undefined).filter(isNode);
    const references = [
      ...txs.flatMap((tx) => [
        isNode(tx.Refs) ? text(tx.Refs.EndToEndId) : undefined,
        ...asArray(isNode(tx.RmtInf) ? tx.RmtInf.Ustrd : undefined).map(text),
        ...asArray(isNode(tx.RmtInf) ? tx.RmtInf.Strd : undefined).map((strd) =>
          isNode(strd) && isNode(strd.CdtrRefInf) ? text(strd.CdtrRefInf.Ref) : undefined,
        ),
      ]),
      text(ntry.AddtlNtryInf),
    ].filter((r): r is string => !!r && r !== 'NOTPROVIDED');
    const debtorAccount = txs
      .map((tx) => (isNode(tx.RltdPties) && isNode(tx.RltdPties.DbtrAcct) ? tx.RltdPties.DbtrAcct.Id : undefined))
      .filter(isNode)
      .map((id) => text(id.IBAN) ?? (isNode(id.Othr) ? text(id.Othr.Id) : undefined))
      .find((v) => !!v);
    const returnOf =
      indicator === 'DBIT' && status === 'BOOK' && (reversal || txs.some((tx) => tx.RtrInf !== undefined))
        ? returnOfTxs(txs)
        : undefined;
    return {
      entryIndex,
      path: at,
      direction: indicator === 'CRDT' ? 'credit' : 'debit',
      amountMinor,
      currency: currency!,
      valueDate: (valueDate ?? bookingDate)!,
      reference: [...new Set(references)].join(' '),
      counterpartyAccount: debtorAccount ?? '',
      bankReference: text(ntry.AcctSvcrRef) ?? text(ntry.NtryRef) ?? '',
      ...(returnOf && { returnOf }),
      notPayable: returnOf
        ? `return of a credit${returnOf.code ? ` (${returnOf.code})` : ''}`
        : indicator !== 'CRDT'
          ? 'debit: money left the account'
          : status !== 'BOOK'
            ? `entry status ${status}: not booked`
            : reversal
              ? 'reversal entry'
              : amountMinor === 0
                ? 'zero amount'
                : undefined,
    };
  }

  /** .001.02 to .07: <Sts>BOOK</Sts>; .001.08: <Sts><Cd>BOOK</Cd></Sts> (or Prtry). */
  private status(ntry: unknown, at: string): string | undefined {
    const sts = isNode(ntry) ? ntry.Sts : undefined;
    if (sts === undefined) return this.problem(`${at}/Sts`, 'required element is missing');
    const code = text(sts) || (isNode(sts) ? (text(sts.Cd) ?? text(sts.Prtry)) : undefined);
    if (!code) return this.problem(`${at}/Sts`, 'needs a status code (BOOK, PDNG, INFO)');
    if (!/^[A-Z]{4}$/.test(code) && !(isNode(sts) && sts.Prtry !== undefined))
      return this.problem(`${at}/Sts`, `"${code}" is not an entry status code`);
    return code;
  }

  private date(parent: Node | unknown, name: string, at: string): string | undefined {
    const el = isNode(parent) ? parent[name] : undefined;
    if (el === undefined) return undefined;
    const dt = isNode(el) ? text(el.Dt) : undefined;
    const dtTm = isNode(el) ? text(el.DtTm) : undefined;
    if (dt !== undefined) {
      if (isCalendarDate(dt)) return dt;
      return this.problem(`${at}/${name}/Dt`, `"${dt}" is not a date YYYY-MM-DD`);
    }
    if (dtTm !== undefined) {
      const m = ISO_DATE_TIME.exec(dtTm);
      if (m && isCalendarDate(m[1])) return m[1];
      return this.problem(`${at}/${name}/DtTm`, `"${dtTm}" is not an ISO 8601 date-time`);
    }
    return this.problem(`${at}/${name}`, 'needs Dt or DtTm');
  }

  private dateTime(parent: unknown, name: string, at: string): void {
    const value = this.requiredText(parent, name, at);
    if (value !== undefined && (!ISO_DATE_TIME.exec(value) || Number.isNaN(Date.parse(value))))
      this.problem(`${at}/${name}`, `"${value}" is not an ISO 8601 date-time`);
  }

  private child(parent: unknown, name: string, at: string): Node | undefined {
    const el = isNode(parent) ? parent[name] : undefined;
    if (el === undefined) return this.problem(`${at}/${name}`, 'required element is missing');
    if (Array.isArray(el)) return this.problem(`${at}/${name}`, 'must appear once');
    if (!isNode(el)) return this.problem(`${at}/${name}`, 'must contain elements, not text');
    return el;
  }

  private requiredText(parent: unknown, name: string, at: string, maxLength?: number): string | undefined {
    const el = isNode(parent) ? parent[name] : undefined;
    if (el === undefined) return this.problem(`${at}/${name}`, 'required element is missing');
    const value = text(el);
    if (value === undefined || value === '') return this.problem(`${at}/${name}`, 'must not be empty');
    if (maxLength && value.length > maxLength)
      return this.problem(`${at}/${name}`, `longer than ${maxLength} characters`);
    return value;
  }

  private problem(path: string, reason: string): undefined {
    this.problems.push({ path, reason });
    return undefined;
  }
}

/**
 * A booked debit that returns a credit: the ids that may name that credit (the transactions'
 * EndToEndId, unless NOTPROVIDED, their bank's AcctSvcrRef and TxId) and the first return
 * reason code (`RtrInf/Rsn/Cd`). Returned money is unpaid money: the ledger reverses it as nsf.
 */
function returnOfTxs(txs: Node[]): StatementReturn {
  const links = txs.flatMap((tx) =>
    isNode(tx.Refs) ? [text(tx.Refs.EndToEndId), text(tx.Refs.AcctSvcrRef), text(tx.Refs.TxId)] : [],
  );
  const code = txs
    .map((tx) => (isNode(tx.RtrInf) && isNode(tx.RtrInf.Rsn) ? text(tx.RtrInf.Rsn.Cd) : undefined))
    .find((c) => !!c && /^[A-Z0-9]{1,8}$/.test(c));
  return {
    links: [...new Set(links.filter((l): l is string => !!l && l !== 'NOTPROVIDED'))],
    reason: 'nsf',
    ...(code && { code }),
  };
}
