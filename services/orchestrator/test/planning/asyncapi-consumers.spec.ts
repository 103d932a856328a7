import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PlanAccountUseCase } from '../../src/planning/usecases/plan-account.usecase';
import { PlannerRepository } from '../../src/planning/planner.repository';
import { plannerHandlers } from '../../src/planning/planner.consumer';

describe('the event catalogue (proto/asyncapi.yaml)', () => {
  it('lists exactly the events the orchestrator consumes (scripts/asyncapi.mjs CONSUMERS)', () => {
    const text = readFileSync(join(__dirname, '..', '..', '..', '..', 'proto', 'asyncapi.yaml'), 'utf8');
    const catalogued = [...text.matchAll(/^ {2}orchestratorReceive(\w+):$/gm)].map((m) => m[1]);
    // The handlers only close over the planner and repository: building them touches neither.
    const handlers = plannerHandlers({} as PlanAccountUseCase, {} as PlannerRepository);
    expect(catalogued.sort()).toEqual(
      Object.keys(handlers)
        .map((type) => type.split('.').pop())
        .sort(),
    );
  });
});
