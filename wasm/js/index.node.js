// Node (ESM, no flags): the module is compiled synchronously at import, so the pure
// functions can be called straight away and `ready` is already resolved.
import { readFileSync } from 'node:fs';
import { initSync } from './journey_attribution_wasm.js';
import { setLandingLoader, startedSync } from './core.js';

initSync({ module: readFileSync(new URL('./journey_attribution_wasm_bg.wasm', import.meta.url)) });
startedSync();
setLandingLoader(() => import('./landing.node.js'));

export { ready, isReady, stampEvent, stampEventDetailed, stampDataDetailed, decodeToken, encodeToken, captureLanding, clearLanding } from './core.js';
export { autoTrackAttributed, createTokenSource, wrapRecord, wrapRecordV5, wrapKinesisRecord, wrapFirehoseRecord } from './wrappers.js';
