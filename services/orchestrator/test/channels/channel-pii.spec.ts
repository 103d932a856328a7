import { ChannelPii } from '../../src/channels/channel-pii';
import { addressHash } from '../../src/dispatch/addresses';

describe(ChannelPii.name, () => {
  const sut = new ChannelPii('the-deployment-secret');

  it("finds an address under one key whatever its form, and the dispatcher's hash of it leads to that key", () => {
    const key = sut.addressKey('acme', 'sms', '+57 300 123 4567');
    expect(sut.addressKey('acme', 'sms', '+573001234567')).toBe(key);
    expect(sut.addressKeyOfHash(addressHash('acme', 'sms', '+573001234567'))).toBe(key);
    expect(sut.addressKey('acme', 'email', ' Ana@Correo.example ')).toBe(
      sut.addressKey('acme', 'email', 'ana@correo.example'),
    );
  });

  it("keys an address apart per tenant and channel, and only the secret's holder can compute the key", () => {
    const key = sut.addressKey('acme', 'sms', '+573001234567');
    expect(sut.addressKey('globex', 'sms', '+573001234567')).not.toBe(key);
    expect(sut.addressKey('acme', 'whatsapp', '+573001234567')).not.toBe(key);
    expect(new ChannelPii('another-secret').addressKey('acme', 'sms', '+573001234567')).not.toBe(key);
    // Not the unkeyed hash: a guessed phone number cannot be tested against the records without the secret.
    expect(key).not.toBe(addressHash('acme', 'sms', '+573001234567'));
  });

  it('reads back the words it stored, which the stored bytes do not show', () => {
    const stored = sut.encrypt('No reconozco esa deuda');
    expect(sut.decrypt(stored)).toBe('No reconozco esa deuda');
    expect(stored.toString('utf8')).not.toContain('reconozco');
  });
});
