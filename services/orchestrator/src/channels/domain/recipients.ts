/** E.164: a plus, a country code not starting with 0, 8 to 15 digits in all. */
export function isE164(phone: string): boolean {
  return /^\+[1-9]\d{7,14}$/.test(phone);
}

/** A deliberately plain address check: one @, a local part, a dotted domain, no spaces. */
export function isEmailAddress(address: string): boolean {
  return /^[^\s@<>()[\]\\,;:"]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/.test(
    address,
  );
}
