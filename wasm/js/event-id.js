// Each event's id: a UUID v4, so that the report counts an event once however often
// Kinesis, Firehose or Amplify's retries deliver it. Where the wrappers put it, and when it
// fits, is the core's (`EVENT_ID_ATTRIBUTE`, `event_id_fits`).

/**
 * A random UUID v4: `crypto.randomUUID` where the page has it (secure contexts), else one
 * made from `crypto.getRandomValues`.
 * @returns {string}
 */
export function newEventId() {
  const crypto = globalThis.crypto;
  if (typeof crypto?.randomUUID === 'function') return crypto.randomUUID();
  const bytes = new Uint8Array(16);
  if (typeof crypto?.getRandomValues === 'function') crypto.getRandomValues(bytes);
  else for (let i = 0; i < 16; i += 1) bytes[i] = Math.floor(Math.random() * 256);
  // RFC 9562: version 4, variant 10.
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
