import { isAbsolute, join } from 'node:path';
import { Metadata, Server } from '@grpc/grpc-js';
import { ReflectionService } from '@grpc/reflection';
import { GrpcOptions, Transport } from '@nestjs/microservices';
import { API_KEY_HEADER, AUTHORIZATION_HEADER, CredentialHeaders } from './auth';
import { injectTraceHeaders } from './tracing';

export interface GrpcServerSettings {
  /** Proto package names served, e.g. ['collections.ledger.v1']. */
  packages: string[];
  /** Proto files, absolute or relative to protoRoot. */
  protoFiles: string[];
  /** Root that proto imports resolve against. */
  protoRoot: string;
  /** Bind address, e.g. '0.0.0.0:50051'. */
  url: string;
  /** Told the grpc-js server Nest creates, before Nest adds its services (e.g. to install direct routes later). */
  onServer?: (server: Server) => void;
}

/** Options for app.connectMicroservice / NestFactory.createMicroservice, with server reflection on. */
export function grpcServerOptions(settings: GrpcServerSettings): GrpcOptions {
  return {
    transport: Transport.GRPC,
    options: {
      url: settings.url,
      package: settings.packages,
      protoPath: settings.protoFiles.map((file) => (isAbsolute(file) ? file : join(settings.protoRoot, file))),
      loader: {
        includeDirs: [settings.protoRoot],
        keepCase: false,
        // int64 as Number: amounts are safe integers by construction (see money.ts).
        longs: Number,
        enums: Number,
        defaults: true,
        oneofs: true,
      },
      // Reflection lets grpcurl and similar tools call the services without local protos.
      onLoadPackageDefinition: (pkg, server: Server) => {
        new ReflectionService(pkg).addToServer(server);
        settings.onServer?.(server);
      },
    },
  };
}

/** Outgoing call metadata carrying the caller's credentials. */
export function metadataFromPrincipalHeaders(headers: CredentialHeaders): Metadata {
  const metadata = new Metadata();
  if (headers.apiKey) metadata.set(API_KEY_HEADER, headers.apiKey);
  if (headers.authorization) metadata.set(AUTHORIZATION_HEADER, headers.authorization);
  return metadata;
}

/** Adds the active trace context to outgoing call metadata so the callee continues the trace. */
export function injectTraceMetadata(metadata: Metadata): Metadata {
  for (const [key, value] of Object.entries(injectTraceHeaders({}))) metadata.set(key, value);
  return metadata;
}
