import { join } from 'node:path';

export * as common from './generated/collections/common/v1/common';
export * as ledger from './generated/collections/ledger/v1/ledger';
export * as reconciliation from './generated/collections/ledger/v1/reconciliation';
export * as ledgerLifecycle from './generated/collections/ledger/v1/lifecycle';
export * as scoring from './generated/collections/scoring/v1/scoring';
export * as orchestrator from './generated/collections/orchestrator/v1/orchestrator';
export * as orchestratorDispatch from './generated/collections/orchestrator/v1/dispatch';
export * as orchestratorAgents from './generated/collections/orchestrator/v1/agents';
export * as orchestratorCreditors from './generated/collections/orchestrator/v1/creditors';
export * as promises from './generated/collections/promises/v1/promises';
export * as reporting from './generated/collections/reporting/v1/reporting';
export * as simulation from './generated/collections/platform/v1/simulation';
export * from './events';
export * from './erasure';
export * from './bankruptcy-chapters';

/** Root of the .proto sources; Nest's gRPC transport loads them at run time. */
export const PROTO_ROOT = join(__dirname, '..', '..', '..', 'proto');

/**
 * The .proto file (relative to PROTO_ROOT) and package of each service's gRPC API, and the
 * other files of the same package it also serves (`extraFiles`).
 */
export const GRPC_PACKAGES = {
  ledger: {
    package: 'collections.ledger.v1',
    file: 'collections/ledger/v1/ledger.proto',
    extraFiles: ['collections/ledger/v1/reconciliation.proto', 'collections/ledger/v1/lifecycle.proto'],
  },
  scoring: { package: 'collections.scoring.v1', file: 'collections/scoring/v1/scoring.proto' },
  orchestrator: {
    package: 'collections.orchestrator.v1',
    file: 'collections/orchestrator/v1/orchestrator.proto',
    extraFiles: [
      'collections/orchestrator/v1/agents.proto',
      'collections/orchestrator/v1/dispatch.proto',
      'collections/orchestrator/v1/creditors.proto',
    ],
  },
  promises: { package: 'collections.promises.v1', file: 'collections/promises/v1/promises.proto' },
  reporting: { package: 'collections.reporting.v1', file: 'collections/reporting/v1/reporting.proto' },
} as const;
export type ServiceName = keyof typeof GRPC_PACKAGES;

/** gRPC APIs of the platform as a whole rather than of one service (served only where enabled). */
export const PLATFORM_GRPC_PACKAGES = {
  simulation: { package: 'collections.platform.v1', file: 'collections/platform/v1/simulation.proto' },
} as const;
