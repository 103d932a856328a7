import { ConfigError } from '@collections/platform';
import {
  LOCAL_ONLY_LINK_SECRETS,
  linksOnlyThisMachineOpens,
  loadPlannerConfig,
  usesLocalOnlySecret,
} from '../../src/planning/config';

const PAYMENT = 'the-payment-link-secret-of-at-least-32-bytes';
const OPT_OUT = 'the-opt-out-link-secret-of-at-least-32-bytes';
const NEW = 'the-new-link-secret-of-at-least-32-bytes-2027';

/** What the orchestrator boots with, or the ConfigError that stops it. */
const boot = (env: NodeJS.ProcessEnv) => {
  try {
    return loadPlannerConfig(env);
  } catch (err) {
    return err as Error;
  }
};

describe('PAYMENT_LINK_SECRET and OPT_OUT_LINK_SECRET at boot', () => {
  it('reads one secret as the legacy key, and a rotation’s keys with the signing one first', () => {
    const config = boot({
      PAYMENT_LINK_SECRET: PAYMENT,
      OPT_OUT_LINK_SECRET: `k2027:${NEW},legacy:${OPT_OUT}`,
    }) as ReturnType<typeof loadPlannerConfig>;
    expect(config.paymentLinks.secrets).toEqual([{ id: 'legacy', secret: PAYMENT }]);
    expect(config.optOut.secrets).toEqual([
      { id: 'k2027', secret: NEW },
      { id: 'legacy', secret: OPT_OUT },
    ]);
  });

  it('refuses an opt-out key with the secret of any payment-link key, naming the keys, never the secret', () => {
    for (const env of [
      { PAYMENT_LINK_SECRET: PAYMENT, OPT_OUT_LINK_SECRET: PAYMENT },
      {
        PAYMENT_LINK_SECRET: `k2027:${NEW},legacy:${PAYMENT}`,
        OPT_OUT_LINK_SECRET: `legacy:${OPT_OUT},old:${PAYMENT}`,
      },
    ]) {
      const error = boot(env);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(
        /OPT_OUT_LINK_SECRET: key "(legacy|old)" has the secret of PAYMENT_LINK_SECRET's key "legacy"/,
      );
      expect((error as Error).message).not.toContain(PAYMENT);
    }
  });

  it('stops on a short secret or a key named twice, naming the variable', () => {
    const error = boot({ PAYMENT_LINK_SECRET: PAYMENT, OPT_OUT_LINK_SECRET: `a:${OPT_OUT},a:${NEW}` });
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('OPT_OUT_LINK_SECRET: key 2: key id "a" is named twice');
    expect(boot({ PAYMENT_LINK_SECRET: 'too-short' })).toMatchObject({
      message: expect.stringContaining('PAYMENT_LINK_SECRET: its secret needs at least 32 bytes'),
    });
  });

  it('counts a setting as local-only when any of its keys is a repository default (the boot warns)', () => {
    const defaults = boot({}) as ReturnType<typeof loadPlannerConfig>;
    expect(usesLocalOnlySecret(defaults.paymentLinks.secrets)).toBe(true);
    expect(usesLocalOnlySecret(defaults.optOut.secrets)).toBe(true);
    const rotating = boot({
      PAYMENT_LINK_SECRET: `k2027:${NEW},legacy:${LOCAL_ONLY_LINK_SECRETS.PAYMENT_LINK_SECRET}`,
      OPT_OUT_LINK_SECRET: OPT_OUT,
    }) as ReturnType<typeof loadPlannerConfig>;
    expect(usesLocalOnlySecret(rotating.paymentLinks.secrets)).toBe(true);
    expect(usesLocalOnlySecret(rotating.optOut.secrets)).toBe(false);
  });

  it('counts a link base naming this machine as one no debtor can open (the boot warns), and a public one not', () => {
    const defaults = boot({}) as ReturnType<typeof loadPlannerConfig>;
    expect(linksOnlyThisMachineOpens(defaults.paymentLinks.baseUrl)).toBe(true);
    expect(linksOnlyThisMachineOpens(defaults.optOut.baseUrl)).toBe(true);
    for (const local of [
      'http://localhost:3000/pay',
      'http://127.0.0.2/opt-out',
      'http://[::1]:8080/pay',
      'https://app.localhost/pay',
    ])
      expect([local, linksOnlyThisMachineOpens(local)]).toEqual([local, true]);
    const configured = boot({
      PAYMENT_LINK_BASE_URL: 'https://pay.acme-collections.example/pay',
      OPT_OUT_URL: 'https://pay.acme-collections.example/opt-out',
    }) as ReturnType<typeof loadPlannerConfig>;
    expect(linksOnlyThisMachineOpens(configured.paymentLinks.baseUrl)).toBe(false);
    expect(linksOnlyThisMachineOpens(configured.optOut.baseUrl)).toBe(false);
    expect(linksOnlyThisMachineOpens('https://127-0-0-1.example/pay')).toBe(false);
  });
});
