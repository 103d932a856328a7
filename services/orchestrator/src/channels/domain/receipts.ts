import { ChannelName, DeliveryStatus } from './provider';
import { DeliveryOutcome } from './sender';

const RANK: Record<string, number> = { queued: 0, sent: 1, delivered: 2, read: 3, failed: 4 };

/** Receipts arrive out of order: a status only moves forward (sent → delivered → read), failed is final. */
export function nextStatus(current: string, incoming: DeliveryStatus): string {
  if (current === 'failed' || current === 'invalid-recipient' || current === 'rejected') return current;
  return (RANK[incoming] ?? 0) > (RANK[current] ?? 0) ? incoming : current;
}

/** Provider error codes on a failed receipt that mean the address can never be reached. */
const INVALID_ON_RECEIPT: Record<ChannelName, Set<string>> = {
  sms: new Set(['21211', '21614', '30003', '30005', '30006']),
  whatsapp: new Set(['131026', '131021']),
  email: new Set(['550', '551', '553']),
  call: new Set(['21211', '21217', '13224']),
};

export function receiptMarksInvalid(channel: ChannelName, errorCode: string | undefined): boolean {
  return !!errorCode && INVALID_ON_RECEIPT[channel].has(errorCode);
}

/** The status a send outcome leaves on the delivery record. */
export function outcomeStatus(outcome: DeliveryOutcome): string {
  return outcome.status === 'sent' ? 'queued' : outcome.status;
}
