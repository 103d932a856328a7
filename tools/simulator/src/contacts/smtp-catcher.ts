import { SMTPServer } from 'smtp-server';
import { ObservedContact } from '../model/behaviour';
import { ContactSource } from './contact-source';

/**
 * A real SMTP server that accepts every message the platform's email channel sends and hands
 * the recipients over as contacts. The platform is pointed at it with SMTP_HOST / SMTP_PORT and
 * a sender address, SMTP_FROM (without one the platform's email channel stays off).
 */
export async function startSmtpCatcher(recipient: (address: string) => string | undefined) {
  let arrived: ObservedContact[] = [];
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    onData(stream, session, callback) {
      stream.on('data', () => undefined);
      stream.on('end', () => {
        for (const to of session.envelope.rcptTo) {
          const debtorId = recipient(to.address.toLowerCase());
          if (debtorId) arrived.push({ channel: 'email', debtorId });
        }
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const source: ContactSource = {
    name: 'smtp catcher',
    collect: async () => {
      const out = arrived;
      arrived = [];
      return out;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  return {
    source,
    port,
    platformEnv: { SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_FROM: 'cobranza@simulator.invalid' },
  };
}
