/**
 * What one contact sent on a channel costs, in minor units of the currency it is counted in.
 * Configured per tenant and currency (`REPORTING_CHANNEL_COSTS`, JSON):
 *
 *   { "<tenant id or *>": { "<ISO currency or *>": { "CHANNEL_SMS": 5, … } } }
 *
 * A channel's cost is looked up in (tenant, currency), (tenant, *), (*, currency), (*, *), then in
 * DEFAULT_CHANNEL_COSTS; the first that names the channel wins.
 */
export type ChannelCostConfig = Record<string, Record<string, Record<string, number>>>;

/** The costs used when the configuration names none (minor units per contact sent). */
export const DEFAULT_CHANNEL_COSTS: Readonly<Record<string, number>> = {
  CHANNEL_EMAIL: 1,
  CHANNEL_WHATSAPP: 3,
  CHANNEL_SMS: 5,
  CHANNEL_LETTER: 80,
  CHANNEL_CALL: 150,
  CHANNEL_VISIT: 1_500,
};

/** Reads the configuration; refuses anything but non-negative integer costs. */
export function parseChannelCosts(json: string): ChannelCostConfig {
  if (!json.trim()) return {};
  const parsed: unknown = JSON.parse(json);
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(parsed)) throw new Error('REPORTING_CHANNEL_COSTS must be a JSON object');
  for (const [tenant, byCurrency] of Object.entries(parsed)) {
    if (!isObject(byCurrency)) throw new Error(`REPORTING_CHANNEL_COSTS.${tenant} must be an object`);
    for (const [currency, byChannel] of Object.entries(byCurrency)) {
      if (!isObject(byChannel)) throw new Error(`REPORTING_CHANNEL_COSTS.${tenant}.${currency} must be an object`);
      for (const [channel, cost] of Object.entries(byChannel)) {
        if (typeof cost !== 'number' || !Number.isInteger(cost) || cost < 0) {
          throw new Error(`REPORTING_CHANNEL_COSTS.${tenant}.${currency}.${channel} must be an integer ≥ 0`);
        }
      }
    }
  }
  return parsed as ChannelCostConfig;
}

/** The cost of one contact on the channel for the tenant and currency. */
export function channelCost(config: ChannelCostConfig, tenantId: string, currency: string, channel: string): number {
  for (const [t, c] of [
    [tenantId, currency],
    [tenantId, '*'],
    ['*', currency],
    ['*', '*'],
  ]) {
    const cost = config[t]?.[c]?.[channel];
    if (cost !== undefined) return cost;
  }
  return DEFAULT_CHANNEL_COSTS[channel] ?? 0;
}
