// The landing touch: the attribution of a message link in the page's address (the core's
// `landing`), captured once, kept on the device until it expires, and handed to the
// stamping module, which merges it with the token per event. Device state, not the user's.
import { isReady, landingState } from './core.js';

// Kept in localStorage under this key, in memory where storage fails.
const LANDING_KEY = 'journey-attribution.landing';

// What this page knows of the landing touch: the restored or captured token (`''` when
// none, `undefined` before the first restore), the copy kept in memory where storage
// fails, the capture under way or done for an address, and the entry point's way to load
// the landing module.
/** @type {string | undefined} */
let landingToken;
/** @type {string | undefined} */
let memoryLanding;
/** @type {{ href: string, done: Promise<unknown> } | undefined} */
let lastCapture;
/** @type {(() => Promise<{ load(): Promise<LandingTokenFn> }>) | undefined} */
let landingModule;

/** @typedef {typeof import('./journey_attribution_landing.js').landingToken} LandingTokenFn */

function storage() {
  try {
    return globalThis.localStorage ?? undefined;
  } catch {
    return undefined; // e.g. a sandboxed iframe, where reading `localStorage` throws
  }
}

/** @param {string} token the token to keep, `''` to forget it */
function keep(token) {
  memoryLanding = token || undefined;
  try {
    if (token) storage()?.setItem(LANDING_KEY, token);
    else storage()?.removeItem(LANDING_KEY);
  } catch {
    // Full or forbidden storage: the touch lives in memory for this page.
  }
}

/**
 * Restores the landing touch kept by an earlier page, once; forgets an expired one.
 * @param {number} nowMs
 */
function restore(nowMs) {
  if (landingToken !== undefined) return;
  let kept = memoryLanding;
  try {
    kept = storage()?.getItem(LANDING_KEY) ?? kept;
  } catch {
    // As above.
  }
  const expiresAt = kept ? landingState().stamper.setLanding(kept) : -1;
  landingToken = kept && expiresAt > nowMs ? kept : '';
  if (!landingToken && kept) keep('');
}

/**
 * @internal Throws a TypeError unless `channels` is a `utmChannels` option.
 * @param {unknown} channels
 * @returns {asserts channels is readonly string[] | undefined}
 */
export function checkChannels(channels) {
  if (channels !== undefined && !(Array.isArray(channels) && channels.every((c) => typeof c === 'string'))) {
    throw new TypeError(`journey-attribution: utmChannels must be an array of strings, not ${JSON.stringify(channels)}`);
  }
}

/**
 * @internal The entry point's way to load the landing module (`import('./landing.js')`).
 * @param {() => Promise<{ load(): Promise<LandingTokenFn> }>} load
 */
export function setLandingLoader(load) {
  landingModule = load;
}

/**
 * Captures the landing touch of `url` (default: the page's address) if it carries a
 * message link's parameters (`ja`, or UTM parameters from one of the app's channels: the
 * core's rule): kept across page loads until it expires, it stamps the wrappers' events
 * while it is the newest attribution. Resolves to `{ captured, ignored }`. The parser is a
 * module of its own, fetched only when the address has one of the parameters.
 * @type {typeof import('./index.js').captureLanding}
 */
export const captureLanding = async (url, options = {}) => {
  const { stamper, linkParams } = landingState();
  checkChannels(options.utmChannels);
  const nowMs = options.nowMs ?? Date.now();
  restore(nowMs);
  /** @type {import('./index.js').LandingCapture} */
  const none = { captured: false, ignored: undefined };
  const href = url ?? globalThis.location?.href;
  if (typeof href !== 'string') return none;
  // Wrappers made together capture once; the others wait for that capture.
  if (lastCapture?.href === href) return lastCapture.done.then(() => none, () => none);
  let parsed;
  try {
    parsed = new URL(href, globalThis.location?.href ?? 'http://localhost/');
  } catch {
    return none;
  }
  const query = parsed.searchParams;
  if (!linkParams.some((p) => query.has(p))) return none;
  // The query as the core reads it: [key, value, key, value, ...], decoded.
  /** @type {string[]} */
  const pairs = [];
  for (const [key, value] of query) pairs.push(key, value);
  const load = /** @type {NonNullable<typeof landingModule>} */ (landingModule);
  const done = (async () => {
    const makeToken = await (await load()).load();
    const channels = options.utmChannels && [...options.utmChannels];
    const [token, ignored] = makeToken(pairs, channels, options.anyUtm === true, options.window, options.windows, nowMs);
    if (token) {
      stamper.setLanding(token);
      landingToken = token;
      keep(token);
    }
    if (options.stripParams) {
      for (const p of linkParams) query.delete(p);
      try {
        globalThis.history?.replaceState(globalThis.history.state, '', parsed.href);
      } catch {
        // Another origin's URL, or no history: leave the address as it is.
      }
    }
    return { captured: Boolean(token), ignored: ignored ? new Error(`journey-attribution: invalid link: ${ignored}`) : undefined };
  })();
  lastCapture = { href, done };
  return done;
};

/** @type {typeof import('./index.js').clearLanding} */
export const clearLanding = () => {
  // Before the module is loaded there is no touch in it to forget.
  if (isReady()) landingState().stamper.setLanding(undefined);
  landingToken = '';
  keep('');
};

/** @internal Whether a landing touch is kept (it may still be expired or lose to the token). */
export function hasLanding() {
  return Boolean(landingToken);
}
