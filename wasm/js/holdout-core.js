// `journey-attribution/holdout`: a user's arm for a campaign, computed by the core
// (journey_attribution_core::holdout, the same as `journey-attribution holdout split`)
// in the validate module's WebAssembly. The entry point (holdout.js / holdout.node.js)
// starts it.
import { assignArm as assign } from './journey_attribution_validate.js';
import { loader } from './loader.js';

const state = loader(' journey-attribution/holdout');

export const { ready, isReady, start, startedSync } = state;

/** @param {unknown} value @param {string} name @returns {string} */
function text(value, name) {
  if (typeof value !== 'string' || value === '') {
    throw new TypeError(`journey-attribution/holdout: ${name} must be a non-empty string`);
  }
  return value;
}

/** @param {unknown} value @returns {string} */
function percent(value) {
  if (typeof value !== 'number' && typeof value !== 'string') {
    throw new TypeError('journey-attribution/holdout: holdoutPercent must be a number (10 for 10 %)');
  }
  return String(value);
}

/** @param {unknown} salt @returns {string} */
function salted(salt) {
  if (salt === undefined) return '';
  if (typeof salt !== 'string') throw new TypeError('journey-attribution/holdout: salt must be a string');
  return salt;
}

/** @type {typeof import('./holdout.js').assignArm} */
export function assignArm({ campaignId, userId, holdoutPercent, salt }) {
  state.check(' from journey-attribution/holdout first');
  return /** @type {import('./holdout.js').Arm} */ (assign(salted(salt), text(campaignId, 'campaignId'), text(userId, 'userId'), percent(holdoutPercent)));
}

// The core's `Exposure` (core/src/holdout.rs), field for field; the npm test checks this
// against the line the core writes (tests/fixtures/holdout-golden.json's `exposure`).
/** @type {typeof import('./holdout.js').exposure} */
export function exposure({ campaignId, userId, holdoutPercent, salt, label, assignedAt }) {
  const arm = assignArm({ campaignId, userId, holdoutPercent, salt });
  const at = assignedAt === undefined ? Date.now() : assignedAt instanceof Date ? assignedAt.getTime() : assignedAt;
  if (!Number.isFinite(at)) throw new TypeError('journey-attribution/holdout: assignedAt must be a Date or epoch milliseconds');
  if (label !== undefined && typeof label !== 'string') throw new TypeError('journey-attribution/holdout: label must be a string');
  /** @type {import('./holdout.js').Exposure} */
  const line = { campaign_id: campaignId, user_id: userId, arm, assigned_at: new Date(at).toISOString() };
  if (label !== undefined) line.campaign = label;
  line.holdout = Number(holdoutPercent);
  if (salt) line.salt = salt;
  return line;
}
