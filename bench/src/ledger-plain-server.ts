import { Server, ServerCredentials, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { Pool } from 'pg';
import { ledger } from '@collections/contracts';

/**
 * The raw baseline of GetBalance for `npm run bench -- ledger-payments`, in its own process: a
 * bare grpc-js server answering GetBalance with one indexed read of the account's cached balance
 * and delinquency over a plain pg pool (no Nest, no auth, no as-of arithmetic). Arguments:
 * <databaseUrl> <tenant> <port>; sends {grpcAddress} when ready.
 */
interface CachedBalance {
  currency: string;
  principal_minor: string;
  interest_minor: string;
  fees_minor: string;
  days_past_due: number;
  aging_bucket: string;
}

async function main(databaseUrl: string, tenant: string, port: number): Promise<void> {
  const pool = new Pool({ connectionString: databaseUrl, max: 30 });
  const server = new Server();
  const money = (amountMinor: number, currency: string) => ({ amountMinor, currency });
  server.addService(ledger.LedgerServiceService, {
    getBalance: (
      call: ServerUnaryCall<ledger.GetBalanceRequest, ledger.GetBalanceResponse>,
      cb: sendUnaryData<ledger.GetBalanceResponse>,
    ) => {
      const accountId = call.request.accountId;
      pool
        .query<CachedBalance>(
          `SELECT currency, principal_minor, interest_minor, fees_minor, days_past_due, aging_bucket
             FROM ledger.account WHERE tenant_id = $1 AND id = $2`,
          [tenant, accountId],
        )
        .then(({ rows: [row] }) => {
          const currency = row.currency.trim();
          const [p, i, f] = [row.principal_minor, row.interest_minor, row.fees_minor].map(Number);
          const total = money(p + i + f, currency);
          cb(null, {
            accountId,
            balance: total,
            detail: ledger.BalanceView.fromPartial({
              accountId,
              principal: money(p, currency),
              interest: money(i, currency),
              fees: money(f, currency),
              total,
              daysPastDue: row.days_past_due,
              agingBucket: row.aging_bucket,
            }),
          });
        })
        .catch((err: Error) => cb(err));
    },
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`127.0.0.1:${port}`, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  process.once('SIGTERM', () => {
    server.forceShutdown();
    void pool.end().then(() => process.exit(0));
  });
  process.send?.({ grpcAddress: `127.0.0.1:${port}` });
}

const [databaseUrl, tenant, port] = process.argv.slice(2);
main(databaseUrl, tenant, Number(port)).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
