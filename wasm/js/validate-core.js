// `journey-attribution/validate`: the core's check of an event against Pinpoint's limits,
// in a WebAssembly module of its own (a development aid the stamping module every page
// downloads does not carry). The entry point (validate.js / validate.node.js) starts it.
import { validateEvent as validate } from './journey_attribution_validate.js';
import { loader } from './loader.js';

const state = loader(' journey-attribution/validate');

export const { ready, isReady, start, startedSync } = state;

export function validateEvent(event) {
  state.check(' from journey-attribution/validate first');
  return validate(event);
}
