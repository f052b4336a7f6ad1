// `journey-attribution/holdout` in browsers and bundlers: fetched and instantiated from
// `new URL('journey_attribution_validate_bg.wasm', import.meta.url)`; await `ready`.
import init from './journey_attribution_validate.js';
import { start } from './holdout-core.js';

start(init());

export { ready, isReady, assignArm, exposure } from './holdout-core.js';
