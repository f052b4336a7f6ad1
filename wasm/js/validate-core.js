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

export function validateEvent(event) {
  state.check(' from journey-attribution/validate first');
  const name = checkedName(event);
  const keys = [[], []];
  const values = [[], []];
  ['attributes', 'metrics'].forEach((field, i) =>
    countKeys(event[field], field, (key, value) => {
      keys[i].push(key);
      values[i].push(value);
    }),
  );
  // [field, reason, field, reason, ...]
  const flat = validate(name, keys[0], values[0], keys[1], new Float64Array(values[1]));
  const violations = [];
  for (let i = 0; i < flat.length; i += 2) violations.push({ field: flat[i], reason: flat[i + 1] });
  return violations;
}
