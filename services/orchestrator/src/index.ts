export { orchestratorService } from './orchestrator.service';
export { DAILY_PLANNING, DailyPlanningSummary, DailyPlanningUseCase } from './planning/usecases/daily-planning.usecase';
