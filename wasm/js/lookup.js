// The token within a time budget: wrappers never wait longer than `timeoutMs` for it (or
// for the WebAssembly module) before recording.
import { isReady, ready } from './core.js';
import { message } from './failure.js';

/**
 * @typedef {{ value: unknown } | { reason: import('./index.js').FailureReason, error: unknown }} Lookup
 */

/**
 * The token, once the module is ready too, within `timeoutMs`: `{ value }`, or `{ reason,
 * error }` saying why not (`token_timeout`, `wasm_not_ready`, `wasm_unavailable`,
 * `token_lookup_failed`).
 * @param {import('./index.js').TokenSource} tokens
 * @param {number} timeoutMs
 * @returns {Promise<Lookup>}
 */
export function tokenWithin(tokens, timeoutMs) {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      resolve({
        reason: isReady() ? 'token_timeout' : 'wasm_not_ready',
        error: message('timeout', `${isReady() ? 'no token' : 'WebAssembly not loaded'} after ${timeoutMs} ms; recorded unstamped`),
      });
    }, timeoutMs);
    /** @type {Promise<Lookup | undefined>} */
    const wasm = ready.then(
      () => undefined,
      (error) => ({ reason: 'wasm_unavailable', error }),
    );
    /** @type {Promise<Lookup>} */
    const token = tokens.get().then(
      (value) => ({ value }),
      (error) => ({ reason: 'token_lookup_failed', error }),
    );
    Promise.all([wasm, token]).then(([wasmFailure, outcome]) => {
      clearTimeout(timer);
      resolve(wasmFailure ?? outcome);
    });
  });
}

/**
 * `promise`, or nothing after `ms`.
 * @param {Promise<unknown>} promise
 * @param {number} ms
 */
export function within(promise, ms) {
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}
