import { randomBytes } from 'node:crypto';
import { Metadata, ServiceError, status } from '@grpc/grpc-js';
import { ledger, orchestrator, promises, reporting, scoring } from '@collections/contracts';
import { grpcClient, metadataFromPrincipalHeaders } from '@collections/platform';
import { waitFor } from './wait-for';

export interface PlatformEndpoints {
  /** REST base URL of the ledger (or of the embedded platform). */
  ledgerHttp: string;
  grpc: { ledger: string; scoring: string; orchestrator: string; promises: string; reporting: string };
  apiKey: string;
}

/** A tenant with its own API key, so a run's figures are its own. */
export function newTenant(): { tenant: string; apiKey: string; apiKeys: string } {
  const tenant = `tenant_${randomBytes(4).toString('hex')}`;
  const apiKey = `key-${randomBytes(12).toString('hex')}`;
  return { tenant, apiKey, apiKeys: `${tenant}:${apiKey}` };
}

export interface SkeletonOutcome {
  firstPayment: ledger.PostPaymentResponse;
  retriedPayment: ledger.PostPaymentResponse;
  balance: ledger.GetBalanceResponse;
  promise: promises.PromiseView;
  keptPromise: promises.PromiseView;
  summary: reporting.GetRecoverySummaryResponse;
  score: scoring.ScoreAccountResponse;
  decision: orchestrator.GetContactDecisionResponse;
  unauthenticatedCode: number;
}

/**
 * The walking skeleton end to end through public APIs only: open an account (REST), take a
 * promise (gRPC), post a payment twice with one idempotency key (gRPC), then watch the events
 * reach scoring, orchestrator, promises and reporting.
 */
export async function runWalkingSkeleton(endpoints: PlatformEndpoints): Promise<SkeletonOutcome> {
  const md = () => metadataFromPrincipalHeaders({ apiKey: endpoints.apiKey });
  const accountId = `acct-${randomBytes(4).toString('hex')}`;
  const rest = async (method: string, path: string, body: unknown, expected: number) => {
    const res = await fetch(`${endpoints.ledgerHttp}${path}`, {
      method,
      headers: { 'content-type': 'application/json', 'x-api-key': endpoints.apiKey },
      body: JSON.stringify(body),
    });
    if (res.status !== expected) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  };
  const debtorId = `debtor-${accountId}`;
  await rest(
    'PUT',
    `/v1/ledger/debtors/${debtorId}`,
    { kind: 'person', displayName: 'Ana Pérez', country: 'CO', timeZone: 'America/Bogota', language: 'es' },
    200,
  );
  const openedOn = new Date().toISOString().slice(0, 10);
  await rest(
    'POST',
    '/v1/ledger/accounts',
    {
      accountId,
      externalRef: `crm-${accountId}`,
      product: 'PRODUCT_CREDIT_CARD',
      currency: 'USD',
      openedOn,
      debtors: [{ debtorId, role: 'DEBTOR_ROLE_PRIMARY' }],
    },
    201,
  );
  await rest(
    'POST',
    `/v1/ledger/accounts/${accountId}/charges`,
    {
      kind: 'ENTRY_KIND_CHARGE',
      amount: { amountMinor: 50_000, currency: 'USD' },
      idempotencyKey: `charge-${accountId}`,
    },
    201,
  );

  const ledgerClient = grpcClient(ledger.LedgerServiceService, endpoints.grpc.ledger);
  const promisesClient = grpcClient(promises.PromisesServiceService, endpoints.grpc.promises);
  const reportingClient = grpcClient(reporting.ReportingServiceService, endpoints.grpc.reporting);
  const scoringClient = grpcClient(scoring.ScoringServiceService, endpoints.grpc.scoring);
  const orchestratorClient = grpcClient(orchestrator.OrchestratorServiceService, endpoints.grpc.orchestrator);
  try {
    const dueDate = new Date(Date.now() + 7 * 86_400_000).toISOString().slice(0, 10);
    const created = await promisesClient.createPromise(
      { accountId, amount: { amountMinor: 20_000, currency: 'USD' }, dueDate, idempotencyKey: `promise-${accountId}` },
      md(),
    );
    const payment = {
      accountId,
      amount: { amountMinor: 20_000, currency: 'USD' },
      idempotencyKey: `pay-${accountId}`,
      reference: 'skeleton',
      effectiveDate: '',
    };
    const firstPayment = await ledgerClient.postPayment(payment, md());
    const retriedPayment = await ledgerClient.postPayment(payment, md());
    const balance = await ledgerClient.getBalance({ accountId, asOfDate: '' }, md());

    const summary = await waitFor(
      async () => {
        const s = await reportingClient.getRecoverySummary({}, md());
        return s.payments >= 1 && s.promisesKept >= 1 ? s : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: 'reporting to see the payment and the kept promise' },
    );
    const keptPromise = (await promisesClient.getPromise({ promiseId: created.promise!.promiseId }, md())).promise!;
    const score = await waitFor(() => scoringClient.scoreAccount({ accountId }, md()), {
      timeoutMs: 60_000,
      message: 'a score',
    });
    const decision = await waitFor(
      async () => {
        const d = await orchestratorClient.getContactDecision({ accountId }, md());
        return d.found ? d : undefined;
      },
      { timeoutMs: 60_000, message: 'a contact decision' },
    );
    const unauthenticatedCode = await ledgerClient.getBalance({ accountId, asOfDate: '' }, new Metadata()).then(
      () => status.OK,
      (err: ServiceError) => err.code,
    );
    return {
      firstPayment,
      retriedPayment,
      balance,
      promise: created.promise!,
      keptPromise,
      summary,
      score,
      decision,
      unauthenticatedCode,
    };
  } finally {
    for (const c of [ledgerClient, promisesClient, reportingClient, scoringClient, orchestratorClient]) c.close();
  }
}

/** The assertions shared by the embedded and the distributed runs. */
export function expectedSkeletonFacts(o: SkeletonOutcome) {
  return {
    replayedSamePayment: o.retriedPayment.replayed && o.retriedPayment.paymentId === o.firstPayment.paymentId,
    balanceMinor: o.balance.balance?.amountMinor,
    recovered: o.summary.recovered,
    payments: o.summary.payments,
    promisesKept: o.summary.promisesKept,
    promiseState: o.keptPromise.state,
    scored: o.score.modelVersion.length > 0 && o.score.probabilityToPay >= 0 && o.score.probabilityToPay <= 1,
    decided: o.decision.found,
    unauthenticatedCode: o.unauthenticatedCode,
  };
}

export const EXPECTED_SKELETON_FACTS = {
  replayedSamePayment: true,
  balanceMinor: 30_000,
  recovered: [{ amountMinor: 20_000, currency: 'USD' }],
  payments: 1,
  promisesKept: 1,
  promiseState: promises.PromiseState.PROMISE_STATE_KEPT,
  scored: true,
  decided: true,
  unauthenticatedCode: status.UNAUTHENTICATED,
};
