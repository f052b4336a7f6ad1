// The landing capture's module in Node: compiled synchronously from disk when first needed.
import { readFileSync } from 'node:fs';
import { initSync, landingToken } from './journey_attribution_landing.js';

let loaded = false;

/**
 * @internal Resolves to the module's `landingToken`.
 * @returns {Promise<typeof landingToken>}
 */
export async function load() {
  if (!loaded) {
    initSync({ module: readFileSync(new URL('./journey_attribution_landing_bg.wasm', import.meta.url)) });
    loaded = true;
  }
  return landingToken;
}
