// `journey-attribution/report`: the ROI report from a Pinpoint event-stream export, with
// the core's rules compiled to a WebAssembly module of its own (the stamping module does
// not carry it). This file only checks the argument shapes, renames the options (`revenueMetric` -> `revenue_metric`...) and
// crosses the boundary with JSON; every rule is in the core.
import { buildReportJson } from './journey_attribution_report.js';
import { loader } from './loader.js';

const state = loader(' journey-attribution/report');

/** Resolves once the report module is instantiated; rejects if it cannot load. */
export const { ready, isReady, start, startedSync } = state;

/** @param {string} message */
const fail = (message) => new Error(`journey-attribution: ${message}`);
const OPTION_KEYS = new Set(['goals', 'revenueMetric', 'orderAttribute', 'refundEvent', 'maxRevenue', 'exposures', 'liftWindow', 'confidence', 'userAttribute']);

/** @type {typeof import('./report.js').buildReport} */
export const buildReport = (text, options, costs) => {
  state.check(' from journey-attribution/report');
  if (typeof text !== 'string') throw fail('invalid report input: text must be a string');
  const opts = options ?? {};
  if (typeof opts !== 'object' || Array.isArray(opts)) throw fail('invalid report options: expected an object { goals?, revenueMetric?, orderAttribute?, refundEvent?, maxRevenue? }');
  for (const key of Object.keys(opts)) {
    if (!OPTION_KEYS.has(key)) throw fail(`invalid report options: unknown option \`${key}\` (expected goals, revenueMetric, orderAttribute, refundEvent, maxRevenue, exposures, liftWindow, confidence, userAttribute)`);
  }
  if (opts.exposures != null && typeof opts.exposures !== 'string') throw fail('invalid report options: exposures must be the exposure log\'s text (JSON lines)');
  if (costs != null && !Array.isArray(costs)) throw fail('invalid report costs: expected an array of { campaign, cost }');
  const request = {
    options: {
      goals: opts.goals ?? [],
      revenue_metric: opts.revenueMetric ?? null,
      ...(opts.orderAttribute != null && { order_attribute: opts.orderAttribute }),
      refund_event: opts.refundEvent ?? null,
      ...(opts.maxRevenue !== undefined && { max_revenue: opts.maxRevenue }),
    },
    costs: costs ?? [],
    lift: opts.exposures == null ? undefined : {
      window: opts.liftWindow ?? null,
      confidence: opts.confidence ?? null,
      user_attribute: opts.userAttribute ?? null,
    },
  };
  return JSON.parse(buildReportJson(text, JSON.stringify(request), opts.exposures ?? ''));
};
