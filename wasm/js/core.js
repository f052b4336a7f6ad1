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

export function stampEvent(event, token, nowMs) {
  check();
  return wasm.stampEvent(event, token, nowMs);
}

export function stampEventDetailed(event, token, nowMs) {
  check();
  return wasm.stampEventDetailed(event, token, nowMs);
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
