import { ArmComparison } from './arms';
import { SimulationResult } from './simulation';

const formatValue = (name: string, value: number | null): string => {
  if (value === null) return '—';
  if (
    name.endsWith('_minor') ||
    name === 'contact_attempts' ||
    name === 'promises_kept' ||
    name === 'contacts_denied' ||
    name.startsWith('contacts_denied:')
  )
    return String(value);
  // Contact cost per unit of currency collected: small fractions, so four decimals.
  if (name === 'cost_per_unit_collected') return value.toFixed(4);
  if (name.endsWith('_rate') || name.includes('rate_') || name === 'collection_effectiveness_index')
    return `${(value * 100).toFixed(1)}%`;
  return value.toFixed(2);
};

/** The end-of-run table for people: what the debtors did, then the reporting KPIs per currency. */
export function kpiTableText(r: SimulationResult): string {
  const lines: string[] = [];
  lines.push(
    `Simulation seed ${r.seed}: ${r.accounts} accounts, ${r.businessDays} business days (${r.fromDate} .. ${r.toDate})`,
  );
  const a = r.activity;
  lines.push(
    `  payments ${a.paymentsViaGateway} via gateway, ${a.paymentsViaBankFile} in ${a.bankFilesImported} bank files (${a.bankItemsMatched} matched)`,
    `  promises ${a.promisesMade}, disputes ${a.disputes}, opt-outs ${a.optOuts}, contacts observed ${
      Object.entries(a.contactsObserved)
        .map(([c, n]) => `${c} ${n}`)
        .join(', ') || '0 (none sent yet: the first reminders go out 3 days before the first due dates)'
    }`,
    `  first statement unpaid the day after its due date: ${
      r.firstDueMissedRate === null ? '— (no due date passed yet)' : `${(r.firstDueMissedRate * 100).toFixed(1)}%`
    } (UCI data: 22.3%)`,
    '',
  );
  for (const t of r.kpis) {
    lines.push(`KPIs in ${t.currency} (${t.accounts} accounts, from the reporting service)`);
    const width = Math.max(...t.kpis.map((k) => k.name.length));
    for (const k of t.kpis) lines.push(`  ${k.name.padEnd(width)}  ${formatValue(k.name, k.value).padStart(10)}`);
    for (const rr of t.rollRates.filter((x) => x.rate !== null && x.rate > 0))
      lines.push(
        `  ${`roll ${rr.fromBucket} -> ${rr.toBucket}`.padEnd(width)}  ${formatValue('rate', rr.rate).padStart(10)}`,
      );
    lines.push('');
  }
  if (r.arms) lines.push(...armsText(r.arms));
  return lines.join('\n');
}

const usd = (x: number | null) => (x === null ? '—' : `$${x.toFixed(2)}`);
const signed = (x: number | null) => (x === null ? '—' : `${x >= 0 ? '+' : ''}${x.toFixed(1)}%`);

/** The experiment's arms side by side: scoring priority against days past due at equal daily contacts. */
export function armsText(c: ArmComparison): string[] {
  const rows: [string, (a: ArmComparison['ai']) => string][] = [
    ['accounts', (a) => String(a.accounts)],
    ['contacts sent', (a) => String(a.contacts)],
    [
      'contacts observed',
      (a) =>
        Object.entries(a.contactsObserved)
          .map(([ch, n]) => `${ch} ${n}`)
          .join(', ') || '0',
    ],
    ['recovered (USD)', (a) => usd(a.recoveredUsd)],
    ['  of it after a contact', (a) => usd(a.recoveredAfterContactUsd)],
    ['contact cost (USD)', (a) => usd(a.costUsd)],
    ['recovered per contact', (a) => usd(a.recoveredPerContactUsd)],
    ['  after a contact, per contact', (a) => usd(a.recoveredAfterContactPerContactUsd)],
  ];
  const width = Math.max(...rows.map(([n]) => n.length));
  const out = [
    `Strategy arms (${c.strategyId}: at most ${c.contactsPerDayPerArm} contacts a day per arm; amounts in USD at the simulator's rates)`,
    `  ${''.padEnd(width)}  ${'AI (scoring priority)'.padStart(24)}  ${'baseline (days past due)'.padStart(24)}`,
  ];
  for (const [name, f] of rows) out.push(`  ${name.padEnd(width)}  ${f(c.ai).padStart(24)}  ${f(c.dpd).padStart(24)}`);
  out.push(
    `  uplift of AI over baseline: recovered ${signed(c.upliftPercent)}, per account ${signed(c.upliftPerAccountPercent)}, after a contact ${signed(c.upliftAfterContactPercent)}; contacts differ by ${c.contactsDifferencePercent.toFixed(1)}%`,
    `  target (AI recovers at least ${c.target.upliftPercent}% more at equal contacts): ${c.target.met ? 'met' : 'NOT met'}`,
    '',
  );
  return out;
}
