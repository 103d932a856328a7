import { DynamicModule } from '@nestjs/common';
import { SIMULATION_CONTROL, SimulationGrpcController } from './simulation.grpc';
import { SimulationControl } from './simulation-control';

/** The simulation API (clock and backlog), mounted only when the platform runs on a simulated clock. */
export function simulationModule(control: SimulationControl): DynamicModule {
  return {
    module: class SimulationModule {},
    controllers: [SimulationGrpcController],
    providers: [{ provide: SIMULATION_CONTROL, useValue: control }],
  };
}
