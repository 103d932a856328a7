import { ledgerService } from '@collections/ledger';
import { startServiceUnderTest } from '@collections/testing';

/**
 * The ledger service in its own process for `npm run bench -- ledger-payments`, so the load
 * generator does not share its event loop. Sends {grpcAddress, apiKey, tenant, databaseUrl} when ready;
 * closes on SIGTERM.
 */
async function main(): Promise<void> {
  const sut = await startServiceUnderTest(ledgerService);
  process.once('SIGTERM', () => {
    void sut.close().then(() => process.exit(0));
  });
  process.send?.({ grpcAddress: sut.app.grpcAddress, apiKey: sut.apiKey, tenant: sut.tenant, databaseUrl: sut.db.url });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
