import { ledger } from '@collections/contracts';
import { ledgerService } from '@collections/ledger';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { provideInfrastructure, startServiceUnderTest } from '@collections/testing';

async function main() {
  const infra = await provideInfrastructure({ kafka: false });
  process.env.DATABASE_URL = infra.databaseUrl;
  const sut = await startServiceUnderTest(ledgerService);
  const client = grpcClient(ledger.LedgerServiceService, sut.app.grpcAddress);
  const md = () => metadataFromPrincipalHeaders({ apiKey: sut.apiKey });
  for (let a = 0; a < 200; a++) {
    await client.upsertDebtor({ debtor: ledger.Debtor.fromPartial({ debtorId: `d-${a}`, kind: 'person', displayName: 'B', country: 'CO', timeZone: 'America/Bogota' }) }, md());
    await client.openAccount(ledger.OpenAccountRequest.fromPartial({ accountId: `acct-${a}`, externalRef: `e-${a}`, product: 1, currency: 'USD', openedOn: '2026-01-01', debtors: [{ debtorId: `d-${a}`, role: 1 }] }), md());
  }
  let t = Date.now();
  for (let i = 0; i < 300; i++) await client.getBalance({ accountId: `acct-${i % 200}`, asOfDate: '' }, md());
  console.log('getBalance serial ms/call', (Date.now() - t) / 300);
  t = Date.now();
  for (let i = 0; i < 300; i++) await client.postPayment({ accountId: `acct-${i % 200}`, amount: { amountMinor: 100, currency: 'USD' }, idempotencyKey: `s-${i}`, reference: '' }, md());
  console.log('postPayment serial ms/call', (Date.now() - t) / 300);
  t = Date.now();
  const [{ now }] = await sut.dataSource.query('SELECT now()');
  for (let i = 0; i < 300; i++) await sut.dataSource.query('SELECT 1');
  console.log('SELECT 1 ms', (Date.now() - t) / 300, now);
  const { LedgerRepository } = require('@collections/ledger/dist/ledger/ledger.repository');
  const repo = new LedgerRepository();
  t = Date.now();
  for (let i = 0; i < 300; i++) await repo.balanceInputs(sut.dataSource.manager, sut.tenant, `acct-${i % 200}`, null, new Date());
  console.log('balanceInputs ms', (Date.now() - t) / 300);
  await sut.dataSource.query('SET search_path = ledger');
  t = Date.now();
  for (let i = 0; i < 300; i++) await sut.dataSource.query('SELECT id FROM ledger.account WHERE tenant_id = $1 AND id = $2', [sut.tenant, `acct-${i % 200}`]);
  console.log('select account ms', (Date.now() - t) / 300);
  t = Date.now();
  for (let i = 0; i < 100; i++) await client.getAccountHistory({ accountId: 'acct-1' }, md()).catch(() => 0);
  console.log('history ms', (Date.now() - t) / 100);
  const bench = async (label: string, conc: number, fn: (i: number) => Promise<unknown>) => {
    let calls = 0; const end = Date.now() + 2000; const c0 = process.cpuUsage(); const t0 = Date.now();
    await Promise.all(Array.from({ length: conc }, async (_, w) => { while (Date.now() < end) { await fn(w + calls++); } }));
    const cpu = process.cpuUsage(c0); const secs = (Date.now() - t0) / 1000;
    console.log(JSON.stringify({ label, conc, rate: Math.round(calls / secs), cpuMsPerCall: ((cpu.user + cpu.system) / 1000 / calls).toFixed(3), cpuShare: ((cpu.user + cpu.system) / 1e6 / secs).toFixed(2) }));
  };
  for (let i = 0; i < 12; i++) {
    const t0 = Date.now();
    await client.postPayments({ payments: Array.from({ length: 500 }, (_, k) => ({ accountId: `acct-${(i * 500 + k) % 200}`, amount: { amountMinor: 100, currency: 'USD' }, idempotencyKey: `b-${i}-${k}`, reference: '' })) }, md());
    console.error('call ms', Date.now() - t0);
    if (i === 5) { await sut.dataSource.query('ANALYZE ledger.journal_entry'); console.error('analyzed'); }
  }
  console.error(JSON.stringify(await sut.dataSource.query(`SELECT relname, seq_scan, seq_tup_read, idx_scan FROM pg_stat_user_tables WHERE relname IN ('journal_entry','journal_line','account')`)));
  await sut.close();
  process.exit(0);
}
main();
