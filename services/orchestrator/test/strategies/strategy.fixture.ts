import { AccountSnapshot, AccountStatus, StrategyDocument } from '../../src/strategies/domain';

export const KNOWN_TEMPLATES = new Set(['reminder', 'due-today', 'overdue', 'final-notice']);
export const templateExists = (id: string) => KNOWN_TEMPLATES.has(id);

/** Pre-due reminders D-3..D-1, a due-day notice, a post-due cadence; 80/20 champion/challenger. */
export function retailStrategy(): StrategyDocument {
  return {
    name: 'Retail early stage',
    priority: 10,
    entry: {
      segments: ['retail'],
      daysPastDue: { min: -5, max: 60 },
      balanceMinor: { min: 1_000 },
      products: ['card', 'loan'],
      jurisdictions: ['CO', 'MX'],
    },
    arms: [
      {
        id: 'champion',
        weight: 80,
        steps: [
          { id: 'd-3', channel: 'sms', template: 'reminder', offset: { from: 'due_date', days: -3 } },
          {
            id: 'd-1',
            channel: 'whatsapp',
            template: 'reminder',
            offset: { from: 'due_date', days: -1 },
            fallbackChannel: 'sms',
          },
          { id: 'd0', channel: 'email', template: 'due-today', offset: { from: 'due_date', days: 0 } },
          {
            id: 'd+5',
            channel: 'call',
            template: 'overdue',
            offset: { from: 'due_date', days: 5 },
            preferredWindow: { from: '09:00', to: '12:00' },
            fallbackChannel: 'sms',
          },
          { id: 'd+15', channel: 'letter', template: 'final-notice', offset: { from: 'due_date', days: 15 } },
        ],
      },
      {
        id: 'challenger',
        weight: 20,
        steps: [
          { id: 'd-1', channel: 'sms', template: 'reminder', offset: { from: 'due_date', days: -1 } },
          { id: 'd+2', channel: 'whatsapp', template: 'overdue', offset: { from: 'due_date', days: 2 } },
        ],
      },
    ],
    stopConditions: ['payment', 'promise', 'dispute', 'opt_out', 'hold'],
    escalation: { atDaysPastDue: 30, queue: 'early-agents' },
    legalReferral: { atDaysPastDue: 90 },
  };
}

export function account(overrides: Partial<AccountSnapshot> = {}): AccountSnapshot {
  return {
    tenantId: 'tenant-a',
    accountId: 'acct-1',
    segment: 'retail',
    product: 'card',
    jurisdiction: 'CO',
    balanceMinor: 250_000_00,
    currency: 'COP',
    dueDate: '2026-03-10',
    ...overrides,
  };
}

export const CLEAR: AccountStatus = {
  paidInFull: false,
  promiseActive: false,
  disputed: false,
  optedOut: false,
  holds: [],
};
