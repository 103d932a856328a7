import { Jurisdiction, RulePack } from '../domain';
import { BR_CDC_PACK } from './br-cdc.pack';
import { CL_LEY_21320_PACK } from './cl-ley-21320.pack';
import { CO_LEY_2300_PACK } from './co-ley-2300.pack';
import { EC_LODC_PACK } from './ec-lodc.pack';
import { EU_CONSUMER_CREDIT_PACKS, euConsumerCreditPack } from './eu-consumer-credit.pack';
import { MX_CONDUSEF_PACK } from './mx-condusef.pack';
import { PE_LEY_29571_PACK } from './pe-ley-29571.pack';
import { US_REGULATION_F_PACK } from './us-regulation-f.pack';

/** The starting pack per jurisdiction; tenants derive stricter ones with applyTenantOverride. */
export const RULE_PACKS: Readonly<Record<Jurisdiction, RulePack>> = {
  US: US_REGULATION_F_PACK,
  CO: CO_LEY_2300_PACK,
  MX: MX_CONDUSEF_PACK,
  CL: CL_LEY_21320_PACK,
  PE: PE_LEY_29571_PACK,
  BR: BR_CDC_PACK,
  EC: EC_LODC_PACK,
  ...EU_CONSUMER_CREDIT_PACKS,
};

export {
  BR_CDC_PACK,
  CL_LEY_21320_PACK,
  CO_LEY_2300_PACK,
  EC_LODC_PACK,
  EU_CONSUMER_CREDIT_PACKS,
  MX_CONDUSEF_PACK,
  PE_LEY_29571_PACK,
  US_REGULATION_F_PACK,
  euConsumerCreditPack,
};
