import { createHmac, timingSafeEqual } from 'node:crypto';

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Twilio: base64 HMAC-SHA1, keyed by the auth token, of the full URL then each POST param (sorted by name) as name+value. */
export function twilioSignature(authToken: string, url: string, params: Record<string, string>): string {
  const data =
    url +
    Object.keys(params)
      .sort()
      .map((k) => k + params[k])
      .join('');
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

export function verifyTwilioSignature(
  authToken: string,
  url: string,
  params: Record<string, string>,
  signature: string | undefined,
): boolean {
  return !!signature && sameText(twilioSignature(authToken, url, params), signature);
}

/** Meta (WhatsApp Cloud API): "sha256=" + hex HMAC-SHA256 of the raw body, keyed by the app secret. */
export function metaSignature(appSecret: string, rawBody: string): string {
  return 'sha256=' + createHmac('sha256', appSecret).update(rawBody, 'utf8').digest('hex');
}

export function verifyMetaSignature(appSecret: string, rawBody: string, header: string | undefined): boolean {
  return !!header && sameText(metaSignature(appSecret, rawBody), header);
}

/** application/x-www-form-urlencoded body to a flat map (last value wins). */
export function parseForm(rawBody: string): Record<string, string> {
  return Object.fromEntries(new URLSearchParams(rawBody).entries());
}
