import { ObservedContact } from '../model/behaviour';

/**
 * Where the simulator sees the platform's contacts arrive: an SMTP catcher for email, the
 * Twilio- and WhatsApp-shaped stand-ins for SMS and WhatsApp. Each source maps a recipient
 * address back to its debtor and hands over what arrived since the last call.
 * The orchestrator's dispatcher sends them while the simulated clock moves (AdvanceClock waits
 * for it), so after a move and the platform draining, everything sent has arrived.
 */
export interface ContactSource {
  readonly name: string;
  /** Contacts that arrived since the last call, in arrival order. */
  collect(): Promise<ObservedContact[]>;
  close(): Promise<void>;
}

/** Orders contacts independently of arrival timing, so the same run reacts the same way. */
export function inReactionOrder(contacts: ObservedContact[]): ObservedContact[] {
  return [...contacts].sort((a, b) =>
    a.debtorId === b.debtorId ? a.channel.localeCompare(b.channel) : a.debtorId.localeCompare(b.debtorId),
  );
}

/** Finds the debtor a contact was addressed to, by the contact points the simulator gave them. */
export function contactDirectory(debtors: { debtorId: string; email: string; phone: string }[]) {
  const byEmail = new Map(debtors.map((d) => [d.email.toLowerCase(), d.debtorId]));
  const byPhone = new Map(debtors.map((d) => [d.phone.replace(/^whatsapp:/, ''), d.debtorId]));
  return {
    byEmail: (address: string) => byEmail.get(address.toLowerCase()),
    byPhone: (_channel: 'sms' | 'whatsapp', to: string) =>
      byPhone.get(to.replace(/^whatsapp:/, '').replace(/^(?!\+)/, '+')),
  };
}
