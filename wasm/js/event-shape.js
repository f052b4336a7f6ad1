// The shape of an Amplify analytics event as the package reads it from JS, checked in one
// place for stamping (core.js) and for `validateEvent` (validate-core.js): `name` a string,
// `attributes` an object of strings, `metrics` an object of numbers. Pinpoint's limits on
// what it holds are the core's (`validateEvent`, the stamping decision); these are the JS
// types it must have before any of them is asked, since reading an event into wasm value by
// value costs more than the check (BENCHMARKS.md).

/**
 * The error a malformed event throws.
 * @param {string} detail
 */
export function invalidEvent(detail) {
  return new Error(`journey-attribution: invalid event: ${detail}`);
}

/**
 * The event's `name`; throws unless `event` is an object with a string `name`.
 * @param {unknown} event
 * @returns {string}
 */
export function checkedName(event) {
  if (typeof event !== 'object' || event === null) throw invalidEvent('expected an object { name, attributes?, metrics? }');
  const name = /** @type {{ name?: unknown }} */ (event).name;
  if (typeof name !== 'string') throw invalidEvent('name must be a string');
  return name;
}

/**
 * Checks one of the event's maps (`field`: `attributes` of strings, `metrics` of numbers);
 * returns its key count (0 when absent), calling `onKey(key, value)` for each entry.
 * @param {unknown} map
 * @param {'attributes' | 'metrics'} field
 * @param {(key: string, value: any) => void} [onKey]
 * @returns {number}
 */
export function countKeys(map, field, onKey) {
  if (map === undefined || map === null) return 0;
  if (typeof map !== 'object' || Array.isArray(map)) throw invalidEvent(`${field} must be an object`);
  const type = field === 'metrics' ? 'number' : 'string';
  const keys = Object.keys(map);
  for (const key of keys) {
    const value = /** @type {Record<string, unknown>} */ (map)[key];
    if (typeof value !== type) throw invalidEvent(`${field}.${key} must be a ${type}`);
    if (onKey) onKey(key, value);
  }
  return keys.length;
}
