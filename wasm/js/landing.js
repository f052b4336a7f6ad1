// The landing capture's module in browsers: fetched and instantiated from
// `new URL('journey_attribution_landing_bg.wasm', import.meta.url)` when first needed.
import init, { landingToken } from './journey_attribution_landing.js';

/** @type {Promise<typeof landingToken> | undefined} */
let loading;

/**
 * @internal Resolves to the module's `landingToken` once it is instantiated.
 * @returns {Promise<typeof landingToken>}
 */
export function load() {
  loading ??= init().then(() => landingToken);
  return loading;
}
