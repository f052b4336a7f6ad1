// Where the wrappers get the raw `custom:campaign` value: the ID token's claim (a local
// read, per event), a looked-up user attribute (cached), or the app's own `getToken`.
import { isReady, ready, tokenAttribute } from './core.js';
import { TOKEN_EVENTS, onAuthChange } from './auth-events.js';

/** @typedef {import('./index.js').TokenSourceOptions} TokenSourceOptions */

// A looked-up attribute (GetUser, a network call) is cached this long; the ID token is read
// for every event (a sign-out or sign-in in another tab must never stamp one user's
// campaign on another's events).
const DEFAULT_TTL_MS = 60_000;
const DEFAULT_ERROR_TTL_MS = 5_000;

/**
 * The attribute / claim to read: the option, else the core's (`custom:campaign`), once the
 * module is loaded.
 * @param {TokenSourceOptions} options
 * @returns {Promise<string>}
 */
async function attributeOf(options) {
  if (options.attribute !== undefined) return options.attribute;
  if (!isReady()) await ready;
  return tokenAttribute();
}

/**
 * The ID token's claims from Amplify's local token store (no Cognito call unless Amplify
 * refreshes tokens): v6 `fetchAuthSession`, else v5 `Auth.currentSession`; `undefined`
 * when neither is given.
 * @param {TokenSourceOptions} options
 * @returns {(() => Promise<Record<string, unknown> | undefined>) | undefined}
 */
function idTokenPayloadFor(options) {
  const { fetchAuthSession, Auth } = options;
  if (typeof fetchAuthSession === 'function') {
    return async () => (await fetchAuthSession.call(options))?.tokens?.idToken?.payload;
  }
  const currentSession = Auth?.currentSession;
  if (typeof currentSession === 'function') {
    return async () => (await currentSession.call(Auth))?.getIdToken?.()?.payload;
  }
  return undefined;
}

/**
 * @param {TokenSourceOptions} options
 * @returns {() => unknown}
 */
function lookupFor(options) {
  const source = options.source ?? 'idToken';
  const { getToken, fetchUserAttributes, Auth } = options;
  if (typeof getToken === 'function') return () => getToken.call(options);
  if (source === 'idToken') {
    const payload = idTokenPayloadFor(options);
    if (payload) {
      return async () => {
        const claims = await payload();
        return claims?.[await attributeOf(options)];
      };
    }
    throw new TypeError('journey-attribution: source "idToken" needs `fetchAuthSession` (Amplify v6) or `Auth` (v5), or pass `getToken`');
  }
  if (source === 'userAttributes') {
    if (typeof fetchUserAttributes === 'function') {
      // Amplify v6: a Cognito GetUser call, hence the cache.
      return async () => {
        const attributes = await fetchUserAttributes.call(options);
        return attributes?.[await attributeOf(options)];
      };
    }
    const currentUserInfo = Auth?.currentUserInfo;
    if (typeof currentUserInfo === 'function') {
      return async () => {
        const info = await currentUserInfo.call(Auth);
        return info?.attributes?.[await attributeOf(options)];
      };
    }
    throw new TypeError('journey-attribution: source "userAttributes" needs `fetchUserAttributes` (Amplify v6) or `Auth` (v5), or pass `getToken`');
  }
  throw new TypeError(`journey-attribution: unknown token source ${JSON.stringify(source)} (use "idToken" or "userAttributes")`);
}

/**
 * Who is signed in, from the local token store (no network): the ID token's `sub`.
 * @param {TokenSourceOptions} options
 */
function identityFor(options) {
  const payload = idTokenPayloadFor(options);
  return payload && (async () => (await payload())?.sub);
}

/**
 * The ID token's claim is read for every event (a local read; `cacheTtlMs` defaults to 0
 * for it). A looked-up attribute (`userAttributes`, `getToken`) is cached for `cacheTtlMs`,
 * a failed lookup for `errorTtlMs` (Cognito allows 120 GetUser calls per second per
 * account), and the cache is keyed by who is signed in: with `fetchAuthSession` (or v5
 * `Auth`) the ID token's `sub` is checked before each use. It is also forgotten on Amplify
 * Hub auth events and when another tab changes Amplify's stored tokens.
 * @type {typeof import('./index.js').createTokenSource}
 */
export const createTokenSource = (options = {}) => {
  const lookup = lookupFor(options);
  const source = options.source ?? 'idToken';
  const byIdToken = typeof options.getToken !== 'function' && source === 'idToken';
  const identity = byIdToken ? undefined : identityFor(options);
  const ttl = options.cacheTtlMs ?? (byIdToken ? 0 : DEFAULT_TTL_MS);
  const errorTtl = Math.min(options.errorTtlMs ?? DEFAULT_ERROR_TTL_MS, ttl);
  const now = options.clock ?? Date.now;
  /** @type {({ value: unknown } | { error: unknown }) & { at: number } | undefined} */
  let cached;
  /** @type {Promise<unknown> | undefined} */
  let inflight;
  let generation = 0;
  // The identity the cache belongs to; `undefined` when it cannot be told.
  /** @type {unknown} */
  let owner;

  function invalidate() {
    cached = undefined;
    inflight = undefined;
    generation += 1;
  }

  function fresh() {
    if (!cached) return undefined;
    const age = now() - cached.at;
    return age < ('error' in cached ? errorTtl : ttl) ? cached : undefined;
  }

  /** @returns {Promise<unknown>} */
  function get() {
    if (!identity || ttl <= 0) return lookUpCached();
    return Promise.resolve()
      .then(identity)
      .catch(() => undefined)
      .then((who) => {
        if (who !== owner) {
          invalidate();
          owner = who;
        }
        return lookUpCached();
      });
  }

  /** @returns {Promise<unknown>} */
  function lookUpCached() {
    const hit = fresh();
    if (hit) return 'error' in hit ? Promise.reject(hit.error) : Promise.resolve(hit.value);
    if (inflight) return inflight;
    const mine = generation;
    /** @param {{ value: unknown } | { error: unknown }} entry */
    const keep = (entry) => {
      if (mine === generation) {
        cached = { ...entry, at: now() };
        inflight = undefined;
      }
    };
    inflight = Promise.resolve()
      .then(lookup)
      .then(
        (value) => {
          keep({ value });
          return value;
        },
        (error) => {
          keep({ error });
          throw error;
        },
      );
    return inflight;
  }

  const stopListening = onAuthChange(options.Hub, TOKEN_EVENTS, invalidate, true);

  return {
    get,
    /**
     * The cached entry ({ value } or { error }) when fresh, no lookup is pending and it
     * needs no identity check; otherwise `get()` must be awaited.
     */
    peek: () => (inflight || identity ? undefined : fresh()),
    invalidate,
    dispose: stopListening,
  };
};
