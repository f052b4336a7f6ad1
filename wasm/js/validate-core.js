// `journey-attribution/validate`: the core's check of an event against Pinpoint's limits,
// in a WebAssembly module of its own (a development aid the stamping module every page
// downloads does not carry). The entry point (validate.js / validate.node.js) starts it.
// The event's JS shape is checked by event-shape.js, as for stamping; the module gets the
// event as plain arrays and checks what Pinpoint limits.
import { validateEvent as validate } from './journey_attribution_validate.js';
import { loader } from './loader.js';
import { checkedName, countKeys } from './event-shape.js';

const state = loader(' journey-attribution/validate');

export const { ready, isReady, start, startedSync } = state;

/** @type {typeof import('./validate.js').validateEvent} */
export const validateEvent = (event) => {
  state.check(' from journey-attribution/validate first');
  const name = checkedName(event);
  /** @type {string[]} */
  const attributeKeys = [];
  /** @type {string[]} */
  const attributeValues = [];
  /** @type {string[]} */
  const metricKeys = [];
  /** @type {number[]} */
  const metricValues = [];
  countKeys(event.attributes, 'attributes', (key, value) => {
    attributeKeys.push(key);
    attributeValues.push(value);
  });
  countKeys(event.metrics, 'metrics', (key, value) => {
    metricKeys.push(key);
    metricValues.push(value);
  });
  // [field, reason, field, reason, ...]
  const flat = validate(name, attributeKeys, attributeValues, metricKeys, new Float64Array(metricValues));
  /** @type {import('./validate.js').Violation[]} */
  const violations = [];
  for (let i = 0; i < flat.length; i += 2) violations.push({ field: flat[i], reason: flat[i + 1] });
  return violations;
};
