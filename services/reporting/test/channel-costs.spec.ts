import { DEFAULT_CHANNEL_COSTS, channelCost, parseChannelCosts } from '../src/kpis/domain/channel-costs';

describe(channelCost.name, () => {
  const config = parseChannelCosts(
    JSON.stringify({
      't-1': { MXN: { CHANNEL_SMS: 90 }, '*': { CHANNEL_CALL: 200 } },
      '*': { USD: { CHANNEL_SMS: 4 }, '*': { CHANNEL_EMAIL: 0 } },
    }),
  );

  it('takes the most specific cost: tenant and currency, tenant, currency, any, then the defaults', () => {
    expect(channelCost(config, 't-1', 'MXN', 'CHANNEL_SMS')).toBe(90);
    expect(channelCost(config, 't-1', 'MXN', 'CHANNEL_CALL')).toBe(200);
    expect(channelCost(config, 't-1', 'USD', 'CHANNEL_SMS')).toBe(4);
    expect(channelCost(config, 't-2', 'USD', 'CHANNEL_SMS')).toBe(4);
    expect(channelCost(config, 't-2', 'EUR', 'CHANNEL_EMAIL')).toBe(0);
    expect(channelCost(config, 't-2', 'EUR', 'CHANNEL_CALL')).toBe(DEFAULT_CHANNEL_COSTS.CHANNEL_CALL);
    expect(channelCost({}, 't-2', 'EUR', 'CHANNEL_UNSPECIFIED')).toBe(0);
  });

  it('reads an empty setting as the defaults and refuses costs that are not whole minor units', () => {
    expect(parseChannelCosts('')).toEqual({});
    expect(() => parseChannelCosts('{"*":{"*":{"CHANNEL_SMS":0.5}}}')).toThrow(/integer/);
    expect(() => parseChannelCosts('{"*":{"*":{"CHANNEL_SMS":-1}}}')).toThrow(/integer/);
    expect(() => parseChannelCosts('[]')).toThrow(/object/);
    expect(() => parseChannelCosts('{"*":3}')).toThrow(/object/);
  });
});
