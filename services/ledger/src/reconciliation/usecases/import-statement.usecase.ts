import { createHash, randomUUID } from 'node:crypto';
import { ledger } from '@collections/contracts';
import { AppError } from '@collections/platform';
import { ServiceContext } from '@collections/runtime';
import { EntityManager } from 'typeorm';
import { balanceViewOf } from '../../ledger/balance-view';
import { EntryKind } from '../../ledger/domain/journal';
import { LedgerRepository } from '../../ledger/ledger.repository';
import { PostEntryCommand, PostEntryUseCase } from '../../ledger/usecases/post-entry.usecase';
import { parseBankCsv } from '../domain/bank-csv.parser';
import { parseCamt053 } from '../domain/camt053.parser';
import { parseGatewayCsv } from '../domain/gateway-csv.parser';
import { CandidateAccount, matchCredit, numbersIn } from '../domain/matcher';
import { ParseProblem, ParseResult, StatementFileKind, StatementLine } from '../domain/statement-line';
import { CandidateRow, NewReconItem, ReconFileRow, ReconciliationRepository } from '../reconciliation.repository';

export interface ImportStatementCommand {
  tenantId: string;
  kind: StatementFileKind;
  name: string;
  content: Uint8Array;
}

export interface ImportSummary {
  fileId: string;
  alreadyImported: boolean;
  matched: number;
  unmatched: number;
  posted: number;
  rejected: number;
  ignored: number;
  /** Returns that reversed the payment of the credit they return (counted in matched too). */
  reversed: number;
  errors: ParseProblem[];
}

const PARSERS: Record<StatementFileKind, (text: string) => ParseResult> = {
  bank_csv: parseBankCsv,
  camt053: parseCamt053,
  gateway_csv: parseGatewayCsv,
};

/** Files larger than this are split by the sender; a statement day is far smaller. */
export const MAX_FILE_BYTES = 20 * 1024 * 1024;

/** The idempotency key of the payment a statement line posts: the same line never pays twice. */
export function paymentKeyOf(tenantId: string, fileSha256: string, entryIndex: number): string {
  return `recon:${tenantId}:${fileSha256}:${entryIndex}`;
}

/**
 * Imports a statement or gateway file: validates it whole (a bad file writes nothing), then,
 * in one transaction, records every line, matches each booked credit and posts the matched
 * ones through the ordinary payment path (with their outbox events). The same content again
 * returns the first result.
 */
export class ImportStatementUseCase {
  private readonly postEntry: PostEntryUseCase;

  constructor(
    private readonly ctx: ServiceContext,
    private readonly ledgerRepo: LedgerRepository,
    private readonly repo: ReconciliationRepository,
    private readonly toleranceMinor: number,
  ) {
    this.postEntry = new PostEntryUseCase(ctx, ledgerRepo);
  }

  async execute(cmd: ImportStatementCommand): Promise<ImportSummary> {
    if (cmd.content.byteLength === 0) throw AppError.invalid('content is empty');
    if (cmd.content.byteLength > MAX_FILE_BYTES)
      throw AppError.invalid(`content is larger than ${MAX_FILE_BYTES} bytes: split the file`);
    const sha256 = createHash('sha256').update(cmd.content).digest('hex');
    const log = { tenantId: cmd.tenantId, kind: cmd.kind, sha256, fileName: cmd.name };
    const earlier = await this.repo.findFileBySha(this.ctx.dataSource.manager, cmd.tenantId, sha256);
    if (earlier) return this.replay(earlier, log);

    const parsed = this.parse(cmd);
    if (!parsed.ok) {
      this.ctx.logger.warn(
        { ...log, problems: parsed.problems.length, first: withoutValues(parsed.problems[0]) },
        'reconciliation file refused: it does not validate, nothing was written',
      );
      return { ...emptySummary(), rejected: parsed.problems.length, errors: parsed.problems };
    }

    const fileId = randomUUID();
    const summary = await this.ctx.dataSource.transaction(async (tx) => {
      await this.repo.serializeImports(tx, cmd.tenantId);
      const claimed = await this.repo.claimFile(tx, cmd.tenantId, {
        id: fileId,
        kind: cmd.kind,
        sha256,
        name: cmd.name,
        importedAt: this.ctx.clock.now(),
      });
      if (!claimed) return undefined;
      return this.record(tx, cmd.tenantId, fileId, sha256, parsed.lines);
    });
    if (!summary) {
      // A concurrent import of the same content committed first.
      const first = await this.repo.findFileBySha(this.ctx.dataSource.manager, cmd.tenantId, sha256);
      return this.replay(first!, log);
    }
    this.ctx.logger.info(
      { ...log, fileId, matched: summary.matched, unmatched: summary.unmatched, ignored: summary.ignored },
      'reconciliation file imported',
    );
    return summary;
  }

  private parse(cmd: ImportStatementCommand): ParseResult {
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(cmd.content);
    } catch {
      return { ok: false, problems: [{ line: 1, reason: 'the file is not UTF-8 text' }] };
    }
    return PARSERS[cmd.kind](text);
  }

  /**
   * Records every line, in file order, with set-based reads and writes: duplicates of other
   * files and candidate accounts are read for all lines at once, and matched payments are posted
   * in batches. A line is matched against balances that count every earlier line of the file:
   * before a line whose candidates include an account with a payment not yet posted, the
   * pending payments are posted and those accounts' balances read again.
   */
  private async record(
    tx: EntityManager,
    tenantId: string,
    fileId: string,
    sha256: string,
    lines: StatementLine[],
  ): Promise<ImportSummary> {
    const payable = lines.filter((l) => !l.notPayable);
    const seen = await this.repo.findSameTransactions(
      tx,
      tenantId,
      fileId,
      payable.map((l) => ({ key: l.entryIndex, ...l })),
    );
    const candidates = await this.repo.candidatesOfMany(
      tx,
      tenantId,
      payable
        .filter((l) => !seen.has(l.entryIndex))
        .map((l) => ({ key: l.entryIndex, reference: l.reference, numbers: numbersIn(l.reference) })),
    );
    const balances = new Map<string, ledger.BalanceView>();
    await this.readBalances(tx, tenantId, [...new Set([...candidates.values()].flat().map((r) => r.id))], balances);

    const items: (NewReconItem & { replayed?: boolean; reversal?: boolean })[] = [];
    const returns: { index: number; line: StatementLine }[] = [];
    const pending: { index: number; cmd: PostEntryCommand }[] = [];
    const pendingAccounts = new Set<string>();
    const flush = async () => {
      if (pending.length === 0) return;
      const outcomes = await this.postEntry.executeManyIn(
        tx,
        pending.map((p) => p.cmd),
      );
      outcomes.forEach((outcome, i) => {
        const { index, cmd } = pending[i];
        const item = items[index];
        // The ledger refused it (e.g. the account is closed): a person decides, the file goes on.
        items[index] = outcome.ok
          ? { ...item, paymentId: outcome.result.entryId, replayed: outcome.result.replayed }
          : {
              ...item,
              status: 'unmatched',
              matchRule: undefined,
              accountId: undefined,
              reason: `matched ${cmd.accountId} but not posted: ${outcome.error.message}`,
            };
      });
      await this.readBalances(tx, tenantId, [...pendingAccounts], balances);
      pending.length = 0;
      pendingAccounts.clear();
    };

    for (const line of lines) {
      const item = itemOf(line);
      if (line.returnOf) {
        // Taken back after every credit of the file is posted: a credit and its return may share a file.
        returns.push({ index: items.length, line });
        items.push({ ...item, status: 'unmatched', reason: '' });
        continue;
      }
      if (line.notPayable) {
        items.push({ ...item, status: 'ignored', reason: line.notPayable });
        continue;
      }
      const same = seen.get(line.entryIndex);
      if (same) {
        items.push({
          ...item,
          status: 'unmatched',
          reason: `possible duplicate: entry ${same.entry_index} of file ${same.file_name} (${same.file_id}) has the same bank reference and amount`,
        });
        continue;
      }
      const rows = candidates.get(line.entryIndex) ?? [];
      if (rows.some((r) => pendingAccounts.has(r.id))) await flush();
      const decision = matchCredit(
        line,
        rows.map((row) => candidateOf(row, balances.get(row.id)!)),
        this.toleranceMinor,
      );
      if (decision.status === 'unmatched') {
        items.push({ ...item, status: 'unmatched', reason: decision.reason });
        continue;
      }
      items.push({
        ...item,
        status: 'matched',
        matchRule: decision.rule,
        accountId: decision.accountId,
        reason: decision.rule === 'reference' ? 'matched by reference' : 'matched by account number and amount',
      });
      pending.push({
        index: items.length - 1,
        cmd: {
          tenantId,
          accountId: decision.accountId,
          kind: EntryKind.Payment,
          amountMinor: line.amountMinor,
          currency: line.currency,
          idempotencyKey: paymentKeyOf(tenantId, sha256, line.entryIndex),
          effectiveDate: line.valueDate,
          reference: line.bankReference,
        },
      });
      pendingAccounts.add(decision.accountId);
      if (pending.length >= MAX_PAYMENTS_PER_POSTING) await flush();
    }
    await flush();
    for (const { index, line } of returns)
      items[index] = await this.takeBack(tx, tenantId, sha256, line, items[index], items);
    await this.repo.insertItems(tx, tenantId, fileId, items);

    const summary = { ...emptySummary(), fileId };
    for (const item of items) {
      if (item.status === 'matched') summary.matched++;
      else if (item.status === 'unmatched') summary.unmatched++;
      else summary.ignored++;
      if (item.reversal) summary.reversed++;
      else if (item.paymentId && !item.replayed) summary.posted++;
    }
    await this.repo.recordFileCounts(tx, tenantId, fileId, { total: lines.length, ...summary });
    return summary;
  }

  /**
   * A return (a bank's return of a credit, a gateway's chargeback) takes back the payment of the
   * one credit it names, of its amount and currency, posted by this file or an earlier one: the
   * payment is reversed through the ledger's own path (the account lock, the reversal entry, its
   * events, a settled or closed account reopened), under the line's own idempotency key. A return
   * that names no such credit, or more than one, or whose payment the ledger will not reverse
   * (reversed already, by a person or an overlapping file), waits in the review queue with why.
   * `item`: the line's item, held in the file's place while its credits were posted.
   */
  private async takeBack(
    tx: EntityManager,
    tenantId: string,
    sha256: string,
    line: StatementLine,
    item: NewReconItem,
    items: (NewReconItem & { reversal?: boolean })[],
  ): Promise<NewReconItem & { reversal?: boolean }> {
    const { links, reason, code } = line.returnOf!;
    const what = `a return${code ? ` (${code})` : ''}`;
    const names = (bankReference: string, reference: string) =>
      links.includes(bankReference) || reference.split(/\s+/).some((token) => links.includes(token));
    const earlier = links.length
      ? await this.repo.postedCreditsOf(tx, tenantId, { amountMinor: line.amountMinor, currency: line.currency, links })
      : [];
    const credits = [
      ...items
        .filter((i) => i.direction === 'credit' && i.paymentId && i.amountMinor === line.amountMinor)
        .filter((i) => i.currency === line.currency && names(i.bankReference, i.reference))
        .map((i) => ({ paymentId: i.paymentId! })),
      ...earlier.filter((r) => names(r.bank_reference, r.reference)).map((r) => ({ paymentId: r.posted_payment_id! })),
    ];
    if (credits.length !== 1) {
      const reason =
        credits.length === 0
          ? `${what} of a credit no imported file shows posted: if its payment was posted otherwise, reverse it with ReversePayment, then ignore this item`
          : `${what} that names ${credits.length} posted credits (payments ${credits.map((c) => c.paymentId).join(', ')}): reverse the right one with ReversePayment, then ignore this item`;
      return { ...item, status: 'unmatched', reason };
    }
    const payment = await this.ledgerRepo.findEntry(tx, tenantId, credits[0].paymentId);
    const [outcome] = await this.postEntry.executeManyIn(tx, [
      {
        tenantId,
        accountId: payment!.account_id,
        kind: EntryKind.PaymentReversal,
        amountMinor: 0,
        currency: line.currency,
        idempotencyKey: paymentKeyOf(tenantId, sha256, line.entryIndex),
        memo: reason,
        reverses: payment!,
        reference: line.bankReference,
      },
    ]);
    if (!outcome.ok)
      return {
        ...item,
        status: 'unmatched',
        reason: `${what} of payment ${payment!.id} of ${payment!.account_id}, not reversed: ${outcome.error.message}`,
      };
    return {
      ...item,
      status: 'matched',
      matchRule: 'return',
      accountId: payment!.account_id,
      paymentId: outcome.result.entryId,
      reversal: true,
      reason: `${what} of payment ${payment!.id}: reversed (${reason})`,
    };
  }

  /** What these accounts owe now (inside the import: earlier lines already count), into `into`. */
  private async readBalances(
    tx: EntityManager,
    tenantId: string,
    accountIds: string[],
    into: Map<string, ledger.BalanceView>,
  ): Promise<void> {
    if (accountIds.length === 0) return;
    const now = this.ctx.clock.now();
    const inputs = await this.ledgerRepo.balanceInputs(
      tx,
      accountIds.map((accountId) => ({ tenantId, accountId, asOfDate: null })),
      now,
    );
    accountIds.forEach((accountId, i) => into.set(accountId, balanceViewOf(accountId, inputs[i])));
  }

  private replay(earlier: ReconFileRow, log: object): ImportSummary {
    this.ctx.logger.info({ ...log, fileId: earlier.id }, 'reconciliation file already imported: nothing changed');
    return {
      fileId: earlier.id,
      alreadyImported: true,
      matched: earlier.matched_items,
      unmatched: earlier.unmatched_items,
      posted: earlier.posted_payments,
      rejected: 0,
      ignored: earlier.ignored_items,
      reversed: earlier.reversed_payments,
      errors: [],
    };
  }
}

function emptySummary(): ImportSummary {
  return {
    fileId: '',
    alreadyImported: false,
    matched: 0,
    unmatched: 0,
    posted: 0,
    rejected: 0,
    ignored: 0,
    reversed: 0,
    errors: [],
  };
}

/**
 * A problem as the log may carry it: where, and why without the quoted cell values (a shifted
 * column puts a payer's name or account number where the amount should be; the caller gets the
 * full reasons in the answer, the shared log never sees the file's contents).
 */
function withoutValues(problem: { reason: string } | undefined) {
  return problem && { ...problem, reason: problem.reason.replace(/"[^"]*"/g, '"…"') };
}

/** Payments posted in one go (the ledger's own batch size). */
const MAX_PAYMENTS_PER_POSTING = 500;

function itemOf(line: StatementLine) {
  return {
    id: randomUUID(),
    entryIndex: line.entryIndex,
    line: line.line,
    path: line.path,
    direction: line.direction,
    amountMinor: line.amountMinor,
    currency: line.currency,
    valueDate: line.valueDate,
    reference: line.reference,
    counterpartyAccount: line.counterpartyAccount,
    bankReference: line.bankReference,
  };
}

/** A candidate account with what it might plausibly be paid: balance, past due, last statement's amounts. */
function candidateOf(row: CandidateRow, balance: ledger.BalanceView): CandidateAccount {
  return {
    accountId: row.id,
    externalRef: row.external_ref,
    currency: row.currency.trim(),
    owed: [
      balance.total?.amountMinor ?? 0,
      balance.pastDue?.amountMinor ?? 0,
      ...(row.amount_due_minor === null ? [] : [Number(row.amount_due_minor), Number(row.minimum_due_minor)]),
    ],
  };
}
