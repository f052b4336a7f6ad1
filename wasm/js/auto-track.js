// Stamps Amplify's auto-tracked events (`configureAutoTrack` of the Kinesis and Firehose
// providers, which record through their own module's `record`, out of any wrapper's
// reach). Amplify's supported way to give them attributes is `input.options.attributes`,
// fixed until `configureAutoTrack` is called again; so this calls it with those attributes
// plus `campaign` / `campaign_id` while the attribution is live (the core's decision, as
// for a custom event named `input.type`), and again whenever that may change.
import { decodeToken, stampEventDetailed } from './core.js';
import { TOKEN_EVENTS, onAuthChange } from './auth-events.js';
import { message, reporter } from './failure.js';
import { tokenWithin } from './lookup.js';
import { createTokenSource } from './token-source.js';

const DEFAULT_TIMEOUT_MS = 200;
// setTimeout's longest delay (2^31 - 1 ms, about 24.8 days); longer waits are chained.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Calls `configureAutoTrack` with the stamp while the attribution is live, and again after
 * Hub auth events, when another tab changes Amplify's stored tokens, and at the
 * attribution's `expiresAt`. Returns `{ ready, refresh(), dispose() }`; `ready` settles
 * once the first configuration is done.
 * @type {typeof import('./index.js').autoTrackAttributed}
 */
export const autoTrackAttributed = (configureAutoTrack, input, options = {}) => {
  if (typeof configureAutoTrack !== 'function') {
    throw new TypeError('journey-attribution: pass the provider\'s `configureAutoTrack` function');
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input) || typeof input.type !== 'string') {
    throw new TypeError('journey-attribution: pass configureAutoTrack\'s input ({ enable, type, options })');
  }
  const tokens = options.tokenSource ?? createTokenSource(options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clock = options.clock ?? Date.now;
  const base = input.options?.attributes ?? {};
  const report = reporter(options.onError);
  let generation = 0;
  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  let disposed = false;

  /** @param {Record<string, string>} attributes */
  const configure = (attributes) => {
    try {
      configureAutoTrack({ ...input, options: { ...input.options, attributes } });
    } catch (error) {
      report('record_failed', error);
    }
  };

  /**
   * Calls `refresh` again at `expiresAtMs`.
   * @param {number} expiresAtMs
   */
  const scheduleAt = (expiresAtMs) => {
    clearTimeout(timer);
    const wait = expiresAtMs - clock();
    timer = setTimeout(() => (wait > MAX_TIMER_MS ? scheduleAt(expiresAtMs) : refresh()), Math.max(0, Math.min(wait, MAX_TIMER_MS)));
  };

  /** @returns {Promise<void>} */
  async function refresh() {
    if (disposed || input.enable === false) {
      if (!disposed) configure(base);
      return;
    }
    const mine = ++generation;
    const outcome = await tokenWithin(tokens, timeoutMs);
    if (mine !== generation || disposed) return;
    clearTimeout(timer);
    if ('reason' in outcome) {
      report(outcome.reason, outcome.error);
      configure(base);
      return;
    }
    let stamped;
    try {
      stamped = stampEventDetailed({ name: input.type, attributes: base }, /** @type {any} */ (outcome.value), clock());
    } catch (error) {
      report('invalid_event', error);
      configure(base);
      return;
    }
    if (stamped.status === 'invalid_token') {
      report('invalid_token', message('invalid token', 'the custom:campaign value is unreadable; auto-tracked events unstamped'));
    }
    configure(stamped.event.attributes ?? base);
    if (stamped.status === 'stamped') {
      const expiresAt = decodeToken(/** @type {string} */ (outcome.value))?.expiresAt;
      if (typeof expiresAt === 'number') scheduleAt(expiresAt);
    }
  }

  // The token source forgets its cache on the same events (its listeners were added first).
  const stopListening = onAuthChange(options.Hub, TOKEN_EVENTS, refresh, true);

  return {
    ready: refresh(),
    refresh,
    dispose: () => {
      disposed = true;
      clearTimeout(timer);
      stopListening();
      if (!options.tokenSource) tokens.dispose();
    },
  };
};
