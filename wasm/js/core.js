// The pure API: guarded calls into the wasm-bindgen exports (every rule is in Rust).
// The entry point (index.js for browsers and bundlers, index.node.js for Node) starts the
// WebAssembly module and hands its promise to `start`.
import * as wasm from './journey_attribution_wasm.js';
import { loader } from './loader.js';
import { checkedName, countKeys } from './event-shape.js';

/**
 * @typedef {import('./index.js').AnalyticsEvent} AnalyticsEvent
 * @typedef {import('./index.js').StampStatus} StampStatus
 * @typedef {import('./index.js').DataShape} DataShape
 * @typedef {{ event: AnalyticsEvent, status: StampStatus }} Stamped
 * @typedef {Record<string, unknown> & { name: string }} Data
 */

const state = loader('');

/** Resolves once the WebAssembly module is instantiated; rejects if it cannot load. */
export const { ready, isReady, start, startedSync } = state;

/**
 * The module's `Stamper` (wasm/stamp/src/lib.rs), which the generated .d.ts leaves out
 * (see there); `plan` and `setLanding` as the bindings take them.
 * @typedef {object} StamperApi
 * @property {(name: string, keyCount: number, appAttributed: boolean, tokenKind: number, token: string | undefined, nowMs: number, withLanding: boolean) => number} plan
 * @property {(token: string | undefined) => number} setLanding
 */
/** @type {new (values: unknown[]) => StamperApi} */
// @ts-expect-error: not in the generated .d.ts (see above)
const Stamper = wasm.Stamper;

// The page's stamping state, made once the module is loaded (`init`): the module's
// `Stamper` (it keeps the decoded token and the landing touch), the array it publishes each
// attribution's values in (`[the token's, the landing touch's]`: `[label]` or `[label,
// journeyId]`), the names the core gives (statuses, attribute names, reserved fields), and
// the token value last sent to it (wasm keeps it decoded; copying it in again costs more
// than the decision). Module variables rather than an object's properties: a bundler
// shortens their names, not property names (the stamping JS's size budget).
/** @type {StamperApi} */
let stamper;
/** @type {(string[] | undefined)[]} */
let values;
/** @type {string[]} */
let statuses;
/** @type {string} */
let campaignKey;
/** @type {string} */
let campaignIdKey;
/** @type {string} */
let eventIdKey;
/** @type {string} */
let tokenKey;
/** @type {Set<string>} */
let flatReserved;
/** @type {string[]} */
let linkParams;
/** @type {string | undefined} */
let sentToken;

/** Throws unless the module is loaded; then makes the stamping state, once. */
function init() {
  state.check(' first');
  if (stamper) return;
  values = [];
  stamper = new Stamper(values);
  statuses = wasm.stampStatuses();
  [campaignKey, campaignIdKey] = wasm.stampAttributes();
  [eventIdKey, tokenKey] = wasm.wrapperAttributes();
  flatReserved = new Set(wasm.flatReservedFields());
  linkParams = wasm.linkParams();
}

/**
 * @internal The landing touch's part of the stamping state: the `Stamper` it is handed to
 * and the query parameters that carry a link. Throws unless the module is loaded.
 */
export function landingState() {
  init();
  return { stamper, linkParams };
}

/**
 * @internal The core's name of the token's user attribute / ID-token claim
 * (`custom:campaign`). Throws unless the module is loaded.
 */
export function tokenAttribute() {
  init();
  return tokenKey;
}

// Stamping runs on every analytics event, so the event is not converted for wasm (each
// property or string crossing the boundary costs about a microsecond): this reads what the
// core's decision depends on, asks it in one call (`Stamper.plan`), and copies the event.

/**
 * The core's decision for an event with `name`, `keyCount` attributes + metrics, and
 * `appAttributed` when it has `campaign` or `campaign_id`, as `Stamper.plan` answers it:
 * the status code (bits 0-6), 128 when an event id fits the event as stamped, and above
 * bit 8 the slot of `values` holding what a stamped event gets. `withLanding`: the landing
 * touch may win (the wrappers).
 * @param {string} name
 * @param {number} keyCount
 * @param {boolean} appAttributed
 * @param {unknown} token
 * @param {number | undefined} nowMs
 * @param {boolean} withLanding
 * @returns {number}
 */
function plan(name, keyCount, appAttributed, token, nowMs, withLanding) {
  // 0: no value, 1: not a string, 2: a string, sent only when it differs from the last one.
  let kind = 0;
  let sent;
  if (typeof token === 'string') {
    kind = 2;
    sent = token === sentToken ? undefined : token;
  } else if (token !== undefined && token !== null) {
    kind = 1;
  }
  const planned = stamper.plan(name, keyCount, appAttributed, kind, sent, nowMs ?? Date.now(), withLanding);
  if (kind === 2) sentToken = /** @type {string} */ (token);
  return planned;
}

const STATUS_MASK = 127;
const EVENT_ID_FITS = 128;
const SLOT_SHIFT = 8;

/**
 * The values a stamped event gets (`[label]` or `[label, journeyId]`) for a planned code.
 * @param {number} planned
 */
const valuesOf = (planned) => /** @type {string[]} */ (values[planned >> SLOT_SHIFT]);

/**
 * Stamps `event` (`{ name, attributes?, metrics? }`); with `newId`, adds an event id too
 * when it fits and the app set none.
 * @param {AnalyticsEvent} event
 * @param {unknown} token
 * @param {number | undefined} nowMs
 * @param {boolean} withLanding
 * @param {(() => string) | undefined} newId
 * @returns {Stamped}
 */
function stamp(event, token, nowMs, withLanding, newId) {
  init();
  const name = checkedName(event);
  const attributes = event.attributes;
  let appAttributed = false;
  let hasId = false;
  const keyCount =
    countKeys(attributes, 'attributes', (key) => {
      if (key === campaignKey || key === campaignIdKey) appAttributed = true;
      else if (key === eventIdKey) hasId = true;
    }) + countKeys(event.metrics, 'metrics');
  const planned = plan(name, keyCount, appAttributed, token, nowMs, withLanding);
  const status = /** @type {StampStatus} */ (statuses[planned & STATUS_MASK]);
  // A shallow copy keeps every field the core does not know (e.g. `immediate`); the
  // attributes are always a fresh object, so the caller's event stays untouched.
  const copy = { ...event };
  if (status === 'stamped') {
    const given = valuesOf(planned);
    // One literal: V8 builds it with the final shape (setting keys after the spread is slower).
    copy.attributes =
      given.length > 1
        ? { ...attributes, [campaignKey]: given[0], [campaignIdKey]: given[1] }
        : { ...attributes, [campaignKey]: given[0] };
  } else if (attributes !== undefined && attributes !== null) {
    copy.attributes = { ...attributes };
  }
  if (newId && !hasId && planned & EVENT_ID_FITS) {
    copy.attributes = { ...copy.attributes, [eventIdKey]: newId() };
  }
  return { event: copy, status };
}

const SHAPES = ['auto', 'nested', 'flat'];

/**
 * @internal Throws a TypeError unless `shape` is a `DataShape` option.
 * @param {unknown} shape
 * @returns {asserts shape is DataShape}
 */
export function checkDataShape(shape) {
  if (typeof shape !== 'string' || !SHAPES.includes(shape)) {
    throw new TypeError(`journey-attribution: dataShape must be "auto", "nested" or "flat", not ${JSON.stringify(shape)}`);
  }
}

/**
 * The shape of Kinesis / Firehose `data`: `shape`, or the core's detection for "auto".
 * @param {Data} data
 * @param {DataShape} shape
 * @returns {'nested' | 'flat'}
 */
function shapeOf(data, shape) {
  if (shape !== 'auto') return shape;
  let hasMaps = false;
  let hasFields = false;
  for (const key of Object.keys(data)) {
    if (key === 'attributes' || key === 'metrics') hasMaps = true;
    else if (!flatReserved.has(key)) hasFields = true;
  }
  return wasm.dataShape(hasMaps, hasFields) === 1 ? 'flat' : 'nested';
}

/**
 * Stamps flat data at its top level (string fields are its attributes, numbers its metrics).
 * @param {Data} data
 * @param {unknown} token
 * @param {number | undefined} nowMs
 * @param {boolean} withLanding
 * @param {(() => string) | undefined} newId
 */
function stampFlat(data, token, nowMs, withLanding, newId) {
  const name = checkedName(data);
  let keyCount = 0;
  let appAttributed = false;
  let hasId = false;
  for (const key of Object.keys(data)) {
    if (key === campaignKey || key === campaignIdKey) appAttributed = true;
    else if (key === eventIdKey) hasId = true;
    if (flatReserved.has(key)) continue;
    const type = typeof data[key];
    if (type === 'string' || type === 'number') keyCount += 1;
  }
  const planned = plan(name, keyCount, appAttributed, token, nowMs, withLanding);
  const status = /** @type {StampStatus} */ (statuses[planned & STATUS_MASK]);
  /** @type {Record<string, unknown>} */
  const copy = { ...data };
  if (status === 'stamped') {
    const given = valuesOf(planned);
    copy[campaignKey] = given[0];
    if (given.length > 1) copy[campaignIdKey] = given[1];
  }
  if (newId && !hasId && planned & EVENT_ID_FITS) copy[eventIdKey] = newId();
  return { event: /** @type {AnalyticsEvent} */ (copy), status };
}

/**
 * @internal Stamps the `data` of an Amplify Kinesis / Firehose record, nested or flat, the
 * landing touch included when `withLanding`, an event id added with `newId`.
 * @param {Data} data
 * @param {unknown} token
 * @param {number | undefined} nowMs
 * @param {DataShape} shape
 * @param {boolean} withLanding
 * @param {(() => string) | undefined} newId
 * @returns {Stamped & { shape: 'nested' | 'flat' }}
 */
export function stampDataWith(data, token, nowMs, shape, withLanding, newId) {
  init();
  checkDataShape(shape);
  checkedName(data);
  const detected = shapeOf(data, shape);
  const out =
    detected === 'flat'
      ? stampFlat(data, token, nowMs, withLanding, newId)
      : stamp(/** @type {AnalyticsEvent} */ (data), token, nowMs, withLanding, newId);
  return { ...out, shape: detected };
}

/**
 * @internal The wrappers' stamping of an event: as `stampEventDetailed`, the landing touch
 * included when `withLanding`, an event id added with `newId`.
 * @param {AnalyticsEvent} event
 * @param {unknown} token
 * @param {number | undefined} nowMs
 * @param {boolean} withLanding
 * @param {(() => string) | undefined} newId
 */
export function stampEventWith(event, token, nowMs, withLanding, newId) {
  return stamp(event, token, nowMs, withLanding, newId);
}

/** @type {typeof import('./index.js').stampEvent} */
export const stampEvent = (event, token, nowMs) => /** @type {any} */ (stamp(event, token, nowMs, false, undefined).event);

/** @type {typeof import('./index.js').stampEventDetailed} */
export const stampEventDetailed = (event, token, nowMs) => /** @type {any} */ (stamp(event, token, nowMs, false, undefined));

/** @type {typeof import('./index.js').stampDataDetailed} */
export const stampDataDetailed = (data, token, nowMs, shape = 'auto') =>
  /** @type {any} */ (stampDataWith(data, token, nowMs, shape, false, undefined));

// The field names of `decodeToken`'s result, in the order the module gives the values.
const DECODED_FIELDS = ['legacy', 'applicationId', 'journeyId', 'label', 'touchedAt', 'expiresAt'];

/** @type {typeof import('./index.js').decodeToken} */
export const decodeToken = (token) => {
  state.check(' first');
  const decoded = wasm.decodeToken(token);
  if (decoded.length === 0) return null;
  /** @type {Record<string, unknown>} */
  const out = {};
  DECODED_FIELDS.forEach((field, i) => {
    out[field] = decoded[i];
  });
  return /** @type {import('./index.js').DecodedToken} */ (out);
};

/** @type {typeof import('./index.js').encodeToken} */
export const encodeToken = (input) => {
  state.check(' first');
  return wasm.encodeToken(input);
};
