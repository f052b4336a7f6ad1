// Browsers (with or without a bundler): the module is fetched and instantiated
// asynchronously from `new URL('journey_attribution_wasm_bg.wasm', import.meta.url)`, which
// Vite, webpack 5 and Rollup understand. Await `ready` before calling the pure functions;
// the record wrappers wait for it themselves (bounded by their timeout).
import init from './journey_attribution_wasm.js';
import { start } from './core.js';
import { setLandingLoader } from './landing-touch.js';

start(init());
// The landing capture's own module, fetched only on pages whose address carries a link.
setLandingLoader(() => import('./landing.js'));

export { ready, isReady, stampEvent, stampEventDetailed, stampDataDetailed, decodeToken, encodeToken } from './core.js';
export { captureLanding, clearLanding } from './landing-touch.js';
export { createTokenSource } from './token-source.js';
export { wrapRecord, wrapRecordV5, wrapKinesisRecord, wrapFirehoseRecord } from './record.js';
export { autoTrackAttributed } from './auto-track.js';
