import { nextStatus, outcomeStatus, receiptMarksInvalid } from '../../src/channels/domain';

describe('receipts', () => {
  it('only moves a delivery forward; failed is final', () => {
    expect(nextStatus('queued', 'sent')).toBe('sent');
    expect(nextStatus('sent', 'delivered')).toBe('delivered');
    expect(nextStatus('delivered', 'sent')).toBe('delivered');
    expect(nextStatus('read', 'delivered')).toBe('read');
    expect(nextStatus('delivered', 'failed')).toBe('failed');
    expect(nextStatus('failed', 'delivered')).toBe('failed');
    expect(nextStatus('invalid-recipient', 'read')).toBe('invalid-recipient');
  });

  it('marks an address invalid only for the codes that say it cannot be reached', () => {
    expect(receiptMarksInvalid('sms', '30006')).toBe(true);
    expect(receiptMarksInvalid('sms', '30008')).toBe(false);
    expect(receiptMarksInvalid('whatsapp', '131026')).toBe(true);
    expect(receiptMarksInvalid('whatsapp', undefined)).toBe(false);
  });

  it('leaves a sent message queued until its receipt', () => {
    expect(outcomeStatus({ status: 'sent', providerMessageId: 'x', attempts: 1 })).toBe('queued');
    expect(
      outcomeStatus({
        status: 'invalid-recipient',
        failure: { kind: 'invalid-recipient', code: '21211', detail: '' },
        attempts: 1,
      }),
    ).toBe('invalid-recipient');
  });
});
