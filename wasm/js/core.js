// The pure API: guarded calls into the wasm-bindgen exports (every rule is in Rust).
// The entry point (index.js for browsers and bundlers, index.node.js for Node) starts the
// WebAssembly module and hands its promise to `start`.
import * as wasm from './journey_attribution_wasm.js';
import { loader } from './loader.js';
import { checkedName, countKeys } from './event-shape.js';

const state = loader('');

/** Resolves once the WebAssembly module is instantiated; rejects if it cannot load. */
export const { ready, isReady, start, startedSync } = state;

function check() {
  state.check(' first');
}

// Stamping runs on every analytics event, so the event is not converted for wasm (each
// property or string crossing the boundary costs about a microsecond): this reads what the
// core's decision depends on, asks it in one call (`Stamper.plan`), and copies the event.
// The statuses and the attribute names come from the core too.
let statuses;
let stamper;
let campaignKey;
let campaignIdKey;
let flatReserved;
let sentToken;
// Where the stamping module publishes each attribution's values, [token's, landing's]
// (written when a token is decoded; `plan` answers the slot).
let valuesBox;
let lastValues;
// The landing touch (a `custom:campaign`-format token from a message link; the core's
// `landing`): kept in localStorage under this key, in memory where storage fails.
const LANDING_KEY = 'journey-attribution.landing';
let landingToken; // the restored or captured token, '' when none
let memoryLanding;
let linkParams;

function init() {
  if (statuses !== undefined) return;
  statuses = wasm.stampStatuses();
  valuesBox = [];
  stamper = new wasm.Stamper(valuesBox);
  [campaignKey, campaignIdKey] = wasm.stampAttributes();
  flatReserved = new Set(wasm.flatReservedFields());
  linkParams = wasm.linkParams();
}

/**
 * The core's decision for an event with `name`, `keyCount` attributes + metrics, and
 * `appAttributed` when it has `campaign` or `campaign_id`; when it is `stamped`,
 * `lastValues` is what to add (`[label]` or `[label, journeyId]`), from the same call.
 * `withLanding`: the landing touch may win (the wrappers).
 */
function plan(name, keyCount, appAttributed, token, nowMs, withLanding) {
  // 0: no value, 1: not a string, 2: a string, sent only when it differs from the last one
  // sent (wasm keeps it, decoded; copying it in costs more than the decision).
  let kind = 0;
  let sent;
  if (typeof token === 'string') {
    kind = 2;
    sent = token === sentToken ? undefined : token;
  } else if (token !== undefined && token !== null) {
    kind = 1;
  }
  const planned = stamper.plan(name, keyCount, appAttributed, kind, sent, nowMs ?? Date.now(), withLanding === true);
  if (kind === 2) sentToken = token;
  // The status code; above it (>> 8), the slot of the stamped attribution's values.
  const status = statuses[planned & 255];
  if (status === 'stamped') lastValues = valuesBox[planned >> 8];
  return status;
}

/** Adds the stamped values to `target` (a fresh object). */
function addValues(target) {
  target[campaignKey] = lastValues[0];
  if (lastValues.length > 1) target[campaignIdKey] = lastValues[1];
  return target;
}

function stamp(event, token, nowMs, withLanding) {
  check();
  init();
  const name = checkedName(event);
  const attributes = event.attributes;
  let appAttributed = false;
  const keyCount =
    countKeys(attributes, 'attributes', (key) => {
      if (key === campaignKey || key === campaignIdKey) appAttributed = true;
    }) + countKeys(event.metrics, 'metrics');
  const status = plan(name, keyCount, appAttributed, token, nowMs, withLanding);
  // A shallow copy keeps every field the core does not know (e.g. `immediate`); the
  // attributes are always a fresh object, so the caller's event stays untouched.
  const copy = { ...event };
  if (status === 'stamped') {
    // One literal: V8 builds it with the final shape (setting keys after the spread is slower).
    copy.attributes =
      lastValues.length > 1
        ? { ...attributes, [campaignKey]: lastValues[0], [campaignIdKey]: lastValues[1] }
        : { ...attributes, [campaignKey]: lastValues[0] };
  } else if (attributes !== undefined && attributes !== null) {
    copy.attributes = { ...attributes };
  }
  return { event: copy, status };
}

const SHAPES = ['auto', 'nested', 'flat'];

/** @internal Throws a TypeError unless `shape` is a `DataShape` option. */
export function checkDataShape(shape) {
  if (!SHAPES.includes(shape)) {
    throw new TypeError(`journey-attribution: dataShape must be "auto", "nested" or "flat", not ${JSON.stringify(shape)}`);
  }
}

/** The shape of Kinesis / Firehose `data`: `shape`, or the core's detection for "auto". */
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

function stampFlat(data, token, nowMs, withLanding) {
  const name = checkedName(data);
  let keyCount = 0;
  let appAttributed = false;
  for (const key of Object.keys(data)) {
    if (key === campaignKey || key === campaignIdKey) appAttributed = true;
    if (flatReserved.has(key)) continue;
    const type = typeof data[key];
    if (type === 'string' || type === 'number') keyCount += 1;
  }
  const status = plan(name, keyCount, appAttributed, token, nowMs, withLanding);
  const copy = { ...data };
  return { event: status === 'stamped' ? addValues(copy) : copy, status };
}

/**
 * Stamps the `data` of an Amplify Kinesis / Firehose record: nested (`{ name, attributes,
 * metrics }`, stamped in `attributes`) or flat (`{ name, genre: 'jazz', minutes: 30 }`,
 * stamped at the top level); `shape` "auto" detects it per record.
 */
export function stampDataDetailed(data, token, nowMs, shape = 'auto', withLanding = false) {
  check();
  init();
  checkDataShape(shape);
  checkedName(data);
  const detected = shapeOf(data, shape);
  const out = detected === 'flat' ? stampFlat(data, token, nowMs, withLanding) : stamp(data, token, nowMs, withLanding);
  return { ...out, shape: detected };
}

/** @internal The wrappers' stamping: as `stampEventDetailed`, the landing touch included. */
export function stampWithLanding(event, token, nowMs) {
  return stamp(event, token, nowMs, true);
}

function storage() {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined; // e.g. a sandboxed iframe, where reading `localStorage` throws
  }
}

function keep(token) {
  memoryLanding = token || undefined;
  try {
    if (token) storage()?.setItem(LANDING_KEY, token);
    else storage()?.removeItem(LANDING_KEY);
  } catch {
    // Full or forbidden storage: the touch lives in memory for this page.
  }
}

/** Restores the landing touch kept by an earlier page, once; forgets an expired one. */
function restoreLanding(nowMs) {
  if (landingToken !== undefined) return;
  let kept = memoryLanding;
  try {
    kept = storage()?.getItem(LANDING_KEY) ?? kept;
  } catch {
    // As above.
  }
  const expiresAt = kept ? stamper.setLanding(kept) : -1;
  landingToken = expiresAt > nowMs ? kept : '';
  if (!landingToken && kept) keep('');
}

let landingModule; // () => Promise<{ load(): Promise<landingToken> }>, set by the entry point
let lastCapture; // { href, done }

/** @internal The entry point's way to load the landing module (`import('./landing.js')`). */
export function setLandingLoader(load) {
  landingModule = load;
}

/**
 * Captures the landing touch of `url` (default: the page's address) if it carries a
 * message link's parameters (`ja`, or `utm_campaign` / `utm_id`): kept across page loads
 * until it expires, it stamps the wrappers' events while it is the newest attribution.
 * Resolves to `{ captured, ignored }`: whether a touch was captured, and an `Error` naming
 * a parameter ignored as malformed. Options: `window` / `windows` (`LOOKBACK_WINDOW` /
 * `LOOKBACK_WINDOWS` syntax, default 30d; a malformed one rejects), `stripParams` (remove
 * the parameters from the address bar with `history.replaceState`), `nowMs`. The parser is
 * a module of its own, fetched only when the address has one of the parameters.
 */
export async function captureLanding(url, options = {}) {
  check();
  init();
  const nowMs = options.nowMs ?? Date.now();
  restoreLanding(nowMs);
  const none = { captured: false, ignored: undefined };
  const href = url ?? globalThis.location?.href;
  if (typeof href !== 'string') return none;
  // Wrappers made together capture once; the others wait for that capture.
  if (lastCapture?.href === href) return lastCapture.done.then(() => none, () => none);
  let parsed;
  try {
    parsed = new URL(href, globalThis.location?.href ?? 'http://localhost/');
  } catch {
    return none;
  }
  const values = linkParams.map((p) => parsed.searchParams.get(p) ?? undefined);
  if (values.every((v) => v === undefined)) return none;
  const done = (async () => {
    const makeToken = await (await landingModule()).load();
    const [token, ignored] = makeToken(...values, options.window, options.windows, nowMs);
    if (token) {
      stamper.setLanding(token);
      landingToken = token;
      keep(token);
    }
    if (options.stripParams) {
      for (const p of linkParams) parsed.searchParams.delete(p);
      try {
        globalThis.history?.replaceState(globalThis.history.state, '', parsed.href);
      } catch {
        // Another origin's URL, or no history: leave the address as it is.
      }
    }
    return { captured: Boolean(token), ignored: ignored ? new Error(`journey-attribution: invalid link: ${ignored}`) : undefined };
  })();
  lastCapture = { href, done };
  return done;
}

/** Forgets the landing touch (e.g. on sign-out with `clearOnSignOut`). */
export function clearLanding() {
  if (stamper) stamper.setLanding(undefined);
  landingToken = '';
  keep('');
}

/** @internal Whether a landing touch is kept (it may still be expired or lose to the token). */
export function hasLanding() {
  return Boolean(landingToken);
}

export function stampEvent(event, token, nowMs) {
  return stamp(event, token, nowMs).event;
}

export function stampEventDetailed(event, token, nowMs) {
  return stamp(event, token, nowMs);
}

// The field names of `decodeToken`'s result, in the order the module gives the values.
const DECODED_FIELDS = ['legacy', 'applicationId', 'journeyId', 'label', 'touchedAt', 'expiresAt'];

export function decodeToken(token) {
  check();
  const values = wasm.decodeToken(token);
  if (values.length === 0) return null;
  const out = {};
  DECODED_FIELDS.forEach((field, i) => {
    out[field] = values[i];
  });
  return out;
}

export function encodeToken(input) {
  check();
  return wasm.encodeToken(input);
}
