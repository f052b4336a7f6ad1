// Node (ESM, no flags): the module is compiled synchronously at import, so the pure
// functions can be called straight away and `ready` is already resolved.
import { readFileSync } from 'node:fs';
import { initSync } from './journey_attribution_wasm.js';
import { startedSync } from './core.js';
import { setLandingLoader } from './landing-touch.js';

initSync({ module: readFileSync(new URL('./journey_attribution_wasm_bg.wasm', import.meta.url)) });
startedSync();
setLandingLoader(() => import('./landing.node.js'));

export { ready, isReady, stampEvent, stampEventDetailed, stampDataDetailed, decodeToken, encodeToken } from './core.js';
export { captureLanding, clearLanding } from './landing-touch.js';
export { createTokenSource } from './token-source.js';
export { wrapRecord, wrapRecordV5, wrapKinesisRecord, wrapFirehoseRecord } from './record.js';
export { autoTrackAttributed } from './auto-track.js';
