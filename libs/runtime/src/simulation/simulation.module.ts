import { DynamicModule } from '@nestjs/common';
import { SIMULATION_BACKEND, SimulationGrpcController } from './simulation.grpc';
import { SimulationBackend } from './simulation-backend';

/** The simulation API (clock and backlog), mounted only when the platform runs on a simulated clock. */
export function simulationModule(backend: SimulationBackend): DynamicModule {
  return {
    module: class SimulationModule {},
    controllers: [SimulationGrpcController],
    providers: [{ provide: SIMULATION_BACKEND, useValue: backend }],
  };
}
