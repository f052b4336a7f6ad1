// `journey-attribution/report`: the ROI report from a Pinpoint event-stream export, with
// the core's rules compiled to a WebAssembly module of its own (the stamping module does
// not carry it). This file only checks the argument shapes, renames `revenueMetric` and
// crosses the boundary with JSON; every rule is in the core.
import { buildReportJson } from './journey_attribution_report.js';

let loaded = false;
let resolveReady;
let rejectReady;
export const ready = new Promise((resolve, reject) => { resolveReady = resolve; rejectReady = reject; });
// A failed load surfaces where `ready` is awaited (or in `buildReport`), not as an unhandled rejection.
ready.catch(() => {});

/** @internal Browsers: `init` is the glue's promise. */
export function start(init) {
  init.then(() => { loaded = true; resolveReady(); }, (e) => rejectReady(e));
}

/** @internal Node: the module was compiled synchronously. */
export function startedSync() {
  loaded = true;
  resolveReady();
}

export function isReady() {
  return loaded;
}

const fail = (message) => new Error(`journey-attribution: ${message}`);
const OPTION_KEYS = new Set(['goals', 'revenueMetric']);

export function buildReport(text, options, costs) {
  if (!loaded) throw fail('the report module is not loaded yet: await `ready` from journey-attribution/report');
  if (typeof text !== 'string') throw fail('invalid report input: text must be a string');
  const opts = options ?? {};
  if (typeof opts !== 'object' || Array.isArray(opts)) throw fail('invalid report options: expected an object { goals?, revenueMetric? }');
  for (const key of Object.keys(opts)) {
    if (!OPTION_KEYS.has(key)) throw fail(`invalid report options: unknown option \`${key}\` (expected goals, revenueMetric)`);
  }
  if (costs != null && !Array.isArray(costs)) throw fail('invalid report costs: expected an array of { campaign, cost }');
  const request = {
    options: { goals: opts.goals ?? [], revenue_metric: opts.revenueMetric ?? null },
    costs: costs ?? [],
  };
  return JSON.parse(buildReportJson(text, JSON.stringify(request)));
}
