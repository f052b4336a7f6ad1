// `journey-attribution/holdout` in Node (ESM, no flags): compiled synchronously at import.
import { readFileSync } from 'node:fs';
import { initSync } from './journey_attribution_validate.js';
import { startedSync } from './holdout-core.js';

initSync({ module: readFileSync(new URL('./journey_attribution_validate_bg.wasm', import.meta.url)) });
startedSync();

export { ready, isReady, assignArm, exposure } from './holdout-core.js';
