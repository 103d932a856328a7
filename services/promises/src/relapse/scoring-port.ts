import { ServiceError, status } from '@grpc/grpc-js';
import { scoring } from '@collections/contracts';
import { AppError, PromiseClient, TenantApiKeys, grpcClient } from '@collections/platform';

/** What relapse assessment needs from the scoring service: an account's current score. */
export interface AccountScorer {
  score(tenantId: string, accountId: string): Promise<scoring.ScoreAccountResponse>;
  close(): void;
}

/** The scoring service over its gRPC API (ScoreAccount), as each tenant (PROMISES_SCORING_API_KEYS). */
export class GrpcAccountScorer implements AccountScorer {
  private channel?: PromiseClient<typeof scoring.ScoringServiceService>;
  private readonly keys: TenantApiKeys;

  constructor(
    private readonly address: string,
    apiKeys: string,
  ) {
    this.keys = new TenantApiKeys(apiKeys, 'scoring');
  }

  /** Opened on first use: a service whose plans never complete never dials scoring. */
  private get client(): PromiseClient<typeof scoring.ScoringServiceService> {
    this.channel ??= grpcClient(scoring.ScoringServiceService, this.address);
    return this.channel;
  }

  score(tenantId: string, accountId: string): Promise<scoring.ScoreAccountResponse> {
    return this.client.scoreAccount({ accountId }, this.keys.metadata(tenantId)).catch((err: ServiceError) => {
      if (err.code === status.NOT_FOUND) throw AppError.notFound(`scoring has no score for account ${accountId}`);
      if (err.code === status.UNAVAILABLE) throw AppError.unavailable(`scoring is unavailable: ${err.details}`);
      throw err;
    });
  }

  close(): void {
    this.channel?.close();
    this.channel = undefined;
  }
}
