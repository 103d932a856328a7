export * from './strategy.types';
export { STRATEGY_SCHEMA } from './strategy.schema';
export {
  formatViolation,
  validateStrategy,
  type StrategyValidation,
  type StrategyValidationContext,
  type StrategyViolation,
} from './strategy.validator';
export {
  accountDaysPastDue,
  activeStops,
  addDays,
  admits,
  assignArm,
  chooseStrategy,
  daysPastDue,
  nextAction,
  scheduledOn,
} from './strategy.evaluator';
export { parseStrategyText, type StrategyFormat } from './strategy.parser';
export { heldBackByBudget, type DueContact } from './contact-budget';
