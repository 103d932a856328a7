import { cataloguedConsumption, shortEventTypes } from '@collections/testing';
import { PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { plannerHandlers } from '../../src/planning/planner.consumer';

describe('the event catalogue (proto/asyncapi.yaml)', () => {
  it('lists exactly the events the orchestrator consumes (scripts/asyncapi.mjs CONSUMERS)', () => {
    // The handlers close over the planner and repository; building them reads only the planner's logger.
    const handlers = plannerHandlers({ ctx: {} } as unknown as PlanAccountUseCase, {} as PlannerRepository);
    expect(cataloguedConsumption('orchestrator')).toEqual(shortEventTypes(Object.keys(handlers)));
  });
});
