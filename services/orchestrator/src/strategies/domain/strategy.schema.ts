import { CHANNELS, JURISDICTIONS } from '../../policy/domain';
import { OFFSET_ANCHORS, RANK_KEYS, STOP_CONDITIONS } from './strategy.types';

const id = { type: 'string', pattern: '^[a-z0-9][a-z0-9_.+-]{0,63}$' } as const;
const localTime = { type: 'string', pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$' } as const;
const range = {
  type: 'object',
  additionalProperties: false,
  properties: { min: { type: 'integer' }, max: { type: 'integer' } },
} as const;

/**
 * The published schema of a strategy document (JSON Schema draft-07). The file
 * `services/orchestrator/schemas/strategy.schema.json` is this object; a test keeps them equal.
 */
export const STRATEGY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  $id: 'https://collections.dev/schemas/orchestrator/strategy.schema.json',
  title: 'Collection strategy',
  type: 'object',
  additionalProperties: false,
  required: ['name', 'priority', 'entry', 'arms', 'stopConditions'],
  properties: {
    name: { type: 'string', minLength: 1, maxLength: 200 },
    description: { type: 'string', maxLength: 2000 },
    priority: { type: 'integer', minimum: 0 },
    entry: {
      type: 'object',
      additionalProperties: false,
      properties: {
        segments: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
        daysPastDue: range,
        balanceMinor: range,
        currency: { type: 'string', pattern: '^[A-Z]{3}$' },
        products: { type: 'array', items: { type: 'string', minLength: 1 }, minItems: 1, uniqueItems: true },
        jurisdictions: { type: 'array', items: { enum: [...JURISDICTIONS] }, minItems: 1, uniqueItems: true },
      },
    },
    arms: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['id', 'weight', 'steps'],
        properties: {
          id,
          weight: { type: 'integer', minimum: 0, maximum: 100 },
          steps: {
            type: 'array',
            items: {
              type: 'object',
              additionalProperties: false,
              required: ['id', 'channel', 'template', 'offset'],
              properties: {
                id,
                channel: { enum: [...CHANNELS] },
                template: id,
                offset: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['from', 'days'],
                  properties: {
                    from: { enum: [...OFFSET_ANCHORS] },
                    days: { type: 'integer', minimum: -30, maximum: 3650 },
                  },
                },
                preferredWindow: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['from', 'to'],
                  properties: { from: localTime, to: localTime },
                },
                fallbackChannel: { enum: [...CHANNELS] },
              },
            },
          },
          contactBudget: {
            type: 'object',
            additionalProperties: false,
            required: ['perDay', 'rankBy'],
            properties: {
              perDay: { type: 'integer', minimum: 0 },
              rankBy: { enum: [...RANK_KEYS] },
            },
          },
        },
      },
    },
    stopConditions: { type: 'array', items: { enum: [...STOP_CONDITIONS] }, uniqueItems: true },
    escalation: {
      type: 'object',
      additionalProperties: false,
      required: ['atDaysPastDue', 'queue'],
      properties: { atDaysPastDue: { type: 'integer', minimum: 0 }, queue: id },
    },
    legalReferral: {
      type: 'object',
      additionalProperties: false,
      required: ['atDaysPastDue'],
      properties: { atDaysPastDue: { type: 'integer', minimum: 0 } },
    },
  },
} as const;
