import { AgentProfile, TaskRouting, taskFitsAgent, validateAgent, validateCompletion } from '../../src/agents/domain';

const agent = (over: Partial<AgentProfile> = {}): AgentProfile => ({
  agentId: 'ana',
  name: 'Ana',
  skills: ['call', 'negotiate'],
  languages: ['es', 'pt'],
  segments: ['needs_negotiation'],
  queues: [],
  capacity: 2,
  active: true,
  ...over,
});
const task = (over: Partial<TaskRouting> = {}): TaskRouting => ({
  kind: 'call',
  queue: 'early',
  segment: 'needs_negotiation',
  language: 'es',
  ...over,
});

describe(taskFitsAgent.name, () => {
  it.each<[string, Partial<AgentProfile>, Partial<TaskRouting>, boolean]>([
    ['a call in her language and segment', {}, {}, true],
    ['a regional language tag of a language she speaks', {}, { language: 'es-CO' }, true],
    ['a task for a kind she does not handle', {}, { kind: 'review_reply' }, false],
    ['a task in a language she does not speak', {}, { language: 'en' }, false],
    ['a task of another segment', {}, { segment: 'hardship' }, false],
    ['a task without language or segment', {}, { language: '', segment: '' }, true],
    ['an agent with no language list takes any language', { languages: [] }, { language: 'en' }, true],
    ['an agent limited to other queues', { queues: ['legal'] }, {}, false],
    ['an agent working that queue', { queues: ['early', 'legal'] }, {}, true],
    ['an inactive agent', { active: false }, {}, false],
  ])('%s', (_, a, t, fits) => {
    expect(taskFitsAgent(agent(a), task(t))).toBe(fits);
  });
});

describe(validateAgent.name, () => {
  it('normalises languages and drops blanks and repeats', () => {
    expect(validateAgent(agent({ languages: ['ES', ' pt ', '', 'es'], skills: ['call', 'call'] }))).toMatchObject({
      languages: ['es', 'pt'],
      skills: ['call'],
    });
  });

  it('names every bad field', () => {
    expect(() => validateAgent(agent({ agentId: '', skills: [], capacity: -1 }))).toThrow(
      'invalid agent: agentId must be 1-128 letters, digits or ._:@-; skills must name at least one task kind; capacity must be an integer from 0 to 1000',
    );
  });
});

describe(validateCompletion.name, () => {
  const usd = { amountMinor: 5000, currency: 'USD' };

  it('accepts a promise with an amount and a date from today on', () => {
    const c = { outcome: 'promise' as const, promisedAmount: usd, promisedDate: '2026-03-02' };
    expect(validateCompletion('call', c, '2026-03-02')).toEqual(c);
  });

  it.each([
    [{ outcome: 'promise' as const, promisedDate: '2026-03-05' }, 'promisedAmount must be a positive amount'],
    [{ outcome: 'promise' as const, promisedAmount: usd, promisedDate: '2026-02-30' }, 'promisedDate must be a date'],
    [{ outcome: 'promise' as const, promisedAmount: usd, promisedDate: '2026-03-01' }, 'is before today (2026-03-02)'],
    [
      { outcome: 'promise' as const, promisedAmount: { amountMinor: 1, currency: 'usd' }, promisedDate: '2026-03-05' },
      'ISO 4217',
    ],
    [{ outcome: 'refusal' as const, promisedAmount: usd }, 'only a promise outcome carries'],
    [{}, 'a call task is completed with its call outcome'],
  ])('refuses %j', (c, message) => {
    expect(() => validateCompletion('call', c, '2026-03-02')).toThrow(message);
  });

  it('lets a reply review close without a call outcome', () => {
    expect(validateCompletion('review_reply', {}, '2026-03-02')).toEqual({});
  });
});
