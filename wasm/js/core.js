// The pure API: guarded calls into the wasm-bindgen exports (every rule is in Rust).
// The entry point (index.js for browsers and bundlers, index.node.js for Node) starts the
// WebAssembly module and hands its promise to `start`.
import * as wasm from './journey_attribution_wasm.js';

let state = 'loading';
let failure;
let settle;

/** Resolves once the WebAssembly module is instantiated; rejects if it cannot load. */
export const ready = new Promise((resolve, reject) => {
  settle = { resolve, reject };
});
// Awaiting `ready` still sees a rejection; not awaiting it must not log an unhandled one.
ready.catch(() => {});

/** @internal Called once by the entry point with the instantiation promise. */
export function start(instantiation) {
  Promise.resolve(instantiation).then(
    () => {
      state = 'ready';
      settle.resolve();
    },
    (error) => {
      state = 'failed';
      failure = new Error(`journey-attribution: the WebAssembly module failed to load: ${error?.message ?? error}`, { cause: error });
      settle.reject(failure);
    },
  );
}

/** @internal Called once by an entry point that instantiated the module synchronously. */
export function startedSync() {
  state = 'ready';
  settle.resolve();
}

/** True once the pure functions can be called synchronously. */
export function isReady() {
  return state === 'ready';
}

function check() {
  if (state === 'ready') return;
  if (state === 'failed') throw failure;
  throw new Error('journey-attribution: the WebAssembly module is not initialised yet; await `ready` first');
}

// Stamping runs on every analytics event, so the event is not converted for wasm (each
// property or string crossing the boundary costs about a microsecond): this reads what the
// core's decision depends on, asks it in one call (`stampPlan`), and copies the event.
// The statuses and the attribute names come from the core too.
let statuses;
let campaignKey;
let campaignIdKey;
let sentToken;
let valuesToken;
let lastValues;

function invalidEvent(detail) {
  return new Error(`journey-attribution: invalid event: ${detail}`);
}

/** Checks one of the event's maps; returns its key count (0 when absent). */
function countKeys(map, field, type, onKey) {
  if (map === undefined || map === null) return 0;
  if (typeof map !== 'object' || Array.isArray(map)) throw invalidEvent(`${field} must be an object`);
  const keys = Object.keys(map);
  for (const key of keys) {
    if (typeof map[key] !== type) throw invalidEvent(`${field}.${key} must be a ${type}`);
    if (onKey) onKey(key);
  }
  return keys.length;
}

function stamp(event, token, nowMs) {
  check();
  if (statuses === undefined) {
    statuses = wasm.stampStatuses();
    [campaignKey, campaignIdKey] = wasm.stampAttributes();
  }
  if (typeof event !== 'object' || event === null) throw invalidEvent('expected an object { name, attributes?, metrics? }');
  const name = event.name;
  if (typeof name !== 'string') throw invalidEvent('name must be a string');
  const attributes = event.attributes;
  let appAttributed = false;
  const keyCount =
    countKeys(attributes, 'attributes', 'string', (key) => {
      if (key === campaignKey || key === campaignIdKey) appAttributed = true;
    }) + countKeys(event.metrics, 'metrics', 'number');
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
  const status = statuses[wasm.stampPlan(name, keyCount, appAttributed, kind, sent, nowMs ?? Date.now())];
  if (kind === 2) sentToken = token;
  // A shallow copy keeps every field the core does not know (e.g. `immediate`); the
  // attributes are always a fresh object, so the caller's event stays untouched.
  const copy = { ...event };
  if (status === 'stamped') {
    if (token !== valuesToken) {
      lastValues = wasm.stampValues();
      valuesToken = token;
    }
    copy.attributes =
      lastValues.length > 1
        ? { ...attributes, [campaignKey]: lastValues[0], [campaignIdKey]: lastValues[1] }
        : { ...attributes, [campaignKey]: lastValues[0] };
  } else if (attributes !== undefined && attributes !== null) {
    copy.attributes = { ...attributes };
  }
  return { event: copy, status };
}

export function stampEvent(event, token, nowMs) {
  return stamp(event, token, nowMs).event;
}

export function stampEventDetailed(event, token, nowMs) {
  return stamp(event, token, nowMs);
}

export function decodeToken(token) {
  check();
  return wasm.decodeToken(token);
}

export function encodeToken(input) {
  check();
  return wasm.encodeToken(input);
}

export function validateEvent(event) {
  check();
  return wasm.validateEvent(event);
}
