import { isE164, isEmailAddress, isOptOut } from '../../src/channels/domain';

describe('isOptOut', () => {
  it.each([
    'STOP',
    'stop',
    ' Stop. ',
    'BAJA',
    'baja por favor',
    'Alto',
    'SAIR',
    'Saír',
    'CANCELAR',
    'parar',
    'UNSUBSCRIBE',
    'Bája!',
    // The FCC's revocation words (TCPA, since April 2025), each alone.
    'Quit',
    'END',
    'revoke',
    'Revoke.',
    'opt out',
    'Opt-out',
    'OPTOUT',
    'cancel',
    'unsubscribe',
    'ARRÊT',
    'arrêt svp',
    'Arrêtez',
    'désabonner',
    'stopp',
    'STOPP bitte',
    'abmelden',
    'basta',
    'Basta!',
    'annulla',
    'disiscrivimi',
    'stoppen',
    'afmelden',
    'uitschrijven',
    'wypisz',
    'rezygnuję',
    'nie pisać',
    'NIE PISAĆ!',
    'Nie piszcie więcej',
    'nie kontaktować',
  ])('%j is an opt-out', (text) => expect(isOptOut(text)).toBe(true));

  it.each([
    '',
    'hola',
    'no quiero parar de pagar, envíame el enlace',
    'Pagaré mañana',
    'stopping by later today ok',
    'nie',
    'nie wiem',
    'nie pisałem tego',
    'arrêt de paiement prévu le 5 mars',
    'je vais payer, stop',
    'I opted in last year and will pay Friday',
    'optional payment plan?',
  ])('%j is not', (text) => expect(isOptOut(text)).toBe(false));
});

describe('recipients', () => {
  it('knows an E.164 number', () => {
    expect(isE164('+34600123456')).toBe(true);
    expect(isE164('600123456')).toBe(false);
    expect(isE164('+0123456789')).toBe(false);
    expect(isE164('+34 600 123 456')).toBe(false);
  });

  it('knows a plain email address', () => {
    expect(isEmailAddress('ana@example.com')).toBe(true);
    expect(isEmailAddress('ana.perez+1@mail.example.es')).toBe(true);
    expect(isEmailAddress('ana@localhost')).toBe(false);
    expect(isEmailAddress('not an email')).toBe(false);
    expect(isEmailAddress('a@b@example.com')).toBe(false);
  });
});
