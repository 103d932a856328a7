import { generatePortfolio } from '../model/portfolio';
import { ContactSource, contactDirectory } from './contact-source';
import { startProviderStandIns } from './provider-stand-ins';
import { startSmtpCatcher } from './smtp-catcher';

/**
 * Everything the platform's contacts reach in a simulation of `seed` and `accounts`: the SMTP
 * catcher and the SMS/WhatsApp stand-ins, the debtors they recognise, and the environment that
 * points a fresh platform at them.
 */
export async function startContactCatchers(
  seed: string,
  accounts: number,
): Promise<{ sources: ContactSource[]; platformEnv: Record<string, string> }> {
  const directory = contactDirectory(generatePortfolio(seed, accounts));
  const smtp = await startSmtpCatcher(directory.byEmail);
  const providers = await startProviderStandIns(directory.byPhone);
  return { sources: [smtp.source, providers.source], platformEnv: { ...smtp.platformEnv, ...providers.platformEnv } };
}
