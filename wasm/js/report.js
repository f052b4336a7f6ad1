// `journey-attribution/report` in browsers (with or without a bundler): the module is
// fetched and instantiated asynchronously from
// `new URL('journey_attribution_report_bg.wasm', import.meta.url)`. Await `ready` first.
import init from './journey_attribution_report.js';
import { start } from './report-core.js';

start(init());

export { ready, isReady, buildReport } from './report-core.js';
