// `journey-attribution/report` in Node (ESM, no flags): compiled synchronously at import,
// so `buildReport` can be called straight away and `ready` is already resolved.
import { readFileSync } from 'node:fs';
import { initSync } from './journey_attribution_report.js';
import { startedSync } from './report-core.js';

initSync({ module: readFileSync(new URL('./journey_attribution_report_bg.wasm', import.meta.url)) });
startedSync();

export { ready, isReady, buildReport } from './report-core.js';
