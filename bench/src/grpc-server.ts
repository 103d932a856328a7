import 'reflect-metadata';
import { Server, ServerCredentials, ServerUnaryCall, sendUnaryData } from '@grpc/grpc-js';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { GRPC_PACKAGES, PROTO_ROOT, scoring } from '@collections/contracts';
import { grpcServerOptions } from '@collections/platform';

/** The same work for both servers: a deterministic score from the account id. */
export function score(request: scoring.ScoreAccountRequest): scoring.ScoreAccountResponse {
  let h = 0;
  for (let i = 0; i < request.accountId.length; i++) h = (h * 31 + request.accountId.charCodeAt(i)) | 0;
  const probabilityToPay = (Math.abs(h) % 1000) / 1000;
  return scoring.ScoreAccountResponse.fromPartial({
    accountId: request.accountId,
    probabilityToPay,
    segment: probabilityToPay > 0.5 ? scoring.Segment.SEGMENT_SELF_CURE : scoring.Segment.SEGMENT_NEGOTIATE,
    modelVersion: 'bench',
    reasons: ['utilisation', 'payment ratio'],
  });
}

@Controller()
@scoring.ScoringServiceControllerMethods()
class BenchScoringController implements scoring.ScoringServiceController {
  scoreAccount(request: scoring.ScoreAccountRequest): scoring.ScoreAccountResponse {
    return score(request);
  }

  // Only ScoreAccount is measured; the others are here because the controller interface lists every RPC.
  trainModel(): never {
    throw new Error('not part of the bench');
  }
  scoreBatch(): never {
    throw new Error('not part of the bench');
  }
  getSegmentRules(): never {
    throw new Error('not part of the bench');
  }
  setSegmentRules(): never {
    throw new Error('not part of the bench');
  }
}

@Module({ controllers: [BenchScoringController] })
class BenchModule {}

async function main(): Promise<void> {
  const [mode, port] = process.argv.slice(2);
  const url = `127.0.0.1:${port}`;
  if (mode === 'nest') {
    const app = await NestFactory.createMicroservice(BenchModule, {
      ...grpcServerOptions({
        packages: [GRPC_PACKAGES.scoring.package],
        protoFiles: [GRPC_PACKAGES.scoring.file],
        protoRoot: PROTO_ROOT,
        url,
      }),
      logger: false,
    });
    await app.listen();
  } else {
    const server = new Server();
    server.addService(scoring.ScoringServiceService, {
      scoreAccount: (
        call: ServerUnaryCall<scoring.ScoreAccountRequest, scoring.ScoreAccountResponse>,
        cb: sendUnaryData<scoring.ScoreAccountResponse>,
      ) => cb(null, score(call.request)),
    });
    await new Promise<void>((resolve, reject) =>
      server.bindAsync(url, ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
    );
  }
  process.send?.('ready');
}

if (require.main === module) {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
