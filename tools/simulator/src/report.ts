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
  return lines.join('\n');
}
