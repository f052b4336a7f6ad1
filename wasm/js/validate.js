// `journey-attribution/validate` in browsers (with or without a bundler): fetched and
// instantiated from `new URL('journey_attribution_validate_bg.wasm', import.meta.url)`.
import init from './journey_attribution_validate.js';
import { start } from './validate-core.js';

start(init());

export { ready, isReady, validateEvent } from './validate-core.js';
