// Wrappers for Amplify's `record`, built on the pure API. They never throw into the app and
// never drop an event: whatever fails (no session, a Cognito error, a bad token, the
// WebAssembly module not loaded yet), the event is recorded unstamped and `onError(reason,
// error)` is told why. No attribution rule lives here: stamping is `stampEventDetailed`.
import { isReady, ready, stampEventDetailed } from './core.js';

const DEFAULT_ATTRIBUTE = 'custom:campaign';
// The ID token is read from Amplify's local token store for every event (no cache: a
// sign-out or sign-in in another tab must never stamp one user's campaign on another's
// events); a looked-up attribute (GetUser, a network call) is cached this long.
const DEFAULT_TTL_MS = 60_000;
// Amplify keeps the tokens in localStorage under this prefix: a change there in another tab
// (sign-in, sign-out, refresh) arrives as a `storage` event in this one.
const TOKEN_STORAGE_PREFIX = 'CognitoIdentityServiceProvider.';
const DEFAULT_ERROR_TTL_MS = 5_000;
const DEFAULT_TIMEOUT_MS = 200;
const RESOLVED = Promise.resolve();
// Amplify Hub 'auth' events after which the token may have changed: v6 names, then v5's.
const AUTH_EVENTS = new Set([
  'signedIn',
  'signedOut',
  'tokenRefresh',
  'tokenRefresh_failure',
  'signInWithRedirect',
  'userAttributesUpdated',
  'signIn',
  'signOut',
  'autoSignIn',
  'updateUserAttributes',
]);

/**
 * The ID token's claims from Amplify's local token store (no Cognito call unless Amplify
 * refreshes tokens): v6 `fetchAuthSession`, else v5 `Auth.currentSession`; `undefined`
 * when neither is given.
 */
function idTokenPayloadFor(options) {
  if (typeof options.fetchAuthSession === 'function') {
    return async () => (await options.fetchAuthSession())?.tokens?.idToken?.payload;
  }
  if (typeof options.Auth?.currentSession === 'function') {
    return async () => (await options.Auth.currentSession())?.getIdToken?.()?.payload;
  }
  return undefined;
}

function lookupFor(options) {
  const attribute = options.attribute ?? DEFAULT_ATTRIBUTE;
  const source = options.source ?? 'idToken';
  if (typeof options.getToken === 'function') return () => options.getToken();
  if (source === 'idToken') {
    const payload = idTokenPayloadFor(options);
    if (payload) return async () => (await payload())?.[attribute];
    throw new TypeError('journey-attribution: source "idToken" needs `fetchAuthSession` (Amplify v6) or `Auth` (v5), or pass `getToken`');
  }
  if (source === 'userAttributes') {
    if (typeof options.fetchUserAttributes === 'function') {
      // Amplify v6: a Cognito GetUser call, hence the cache.
      return async () => (await options.fetchUserAttributes())?.[attribute];
    }
    if (typeof options.Auth?.currentUserInfo === 'function') {
      return async () => (await options.Auth.currentUserInfo())?.attributes?.[attribute];
    }
    throw new TypeError('journey-attribution: source "userAttributes" needs `fetchUserAttributes` (Amplify v6) or `Auth` (v5), or pass `getToken`');
  }
  throw new TypeError(`journey-attribution: unknown token source ${JSON.stringify(source)} (use "idToken" or "userAttributes")`);
}

/** Who is signed in, from the local token store (no network): the ID token's `sub`. */
function identityFor(options) {
  const payload = idTokenPayloadFor(options);
  return payload && (async () => (await payload())?.sub);
}

/**
 * Where the wrappers get the raw `custom:campaign` value. The ID token's claim is read for
 * every event (a local read; `cacheTtlMs` defaults to 0 for it). A looked-up attribute
 * (`userAttributes`, `getToken`) is cached for `cacheTtlMs`, a failed lookup for
 * `errorTtlMs` (Cognito allows 120 GetUser calls per second per account), and the cache is
 * keyed by who is signed in: with `fetchAuthSession` (or v5 `Auth`) the ID token's `sub` is
 * checked before each use. It is also forgotten on Amplify Hub auth events and when another
 * tab changes Amplify's stored tokens.
 */
export function createTokenSource(options = {}) {
  const lookup = lookupFor(options);
  const source = options.source ?? 'idToken';
  const byIdToken = typeof options.getToken !== 'function' && source === 'idToken';
  const identity = byIdToken ? undefined : identityFor(options);
  const ttl = options.cacheTtlMs ?? (byIdToken ? 0 : DEFAULT_TTL_MS);
  const errorTtl = Math.min(options.errorTtlMs ?? DEFAULT_ERROR_TTL_MS, ttl);
  const now = options.clock ?? Date.now;
  let cached; // { value } | { error }, with `at`
  let inflight;
  let generation = 0;

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

  // The identity the cache belongs to; `undefined` when it cannot be told.
  let owner;

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

  function lookUpCached() {
    const hit = fresh();
    if (hit) return 'error' in hit ? Promise.reject(hit.error) : Promise.resolve(hit.value);
    if (inflight) return inflight;
    const mine = generation;
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

  let unsubscribe;
  if (options.Hub && typeof options.Hub.listen === 'function') {
    const stop = options.Hub.listen('auth', (capsule) => {
      if (AUTH_EVENTS.has(capsule?.payload?.event)) invalidate();
    });
    unsubscribe = typeof stop === 'function' ? stop : undefined;
  }
  // Hub events reach only the tab they happen in; storage events reach the others.
  const onStorage = (event) => {
    if (event?.key == null || String(event.key).startsWith(TOKEN_STORAGE_PREFIX)) invalidate();
  };
  const target = typeof globalThis.addEventListener === 'function' ? globalThis : undefined;
  target?.addEventListener('storage', onStorage);

  return {
    get,
    /**
     * The cached entry ({ value } or { error }) when fresh, no lookup is pending and it
     * needs no identity check; otherwise `get()` must be awaited.
     */
    peek: () => (inflight || identity ? undefined : fresh()),
    invalidate,
    dispose: () => {
      unsubscribe?.();
      target?.removeEventListener('storage', onStorage);
    },
  };
}

function message(reason, detail) {
  return new Error(`journey-attribution: ${reason}: ${detail}`);
}

/**
 * The wrapping machinery. `extract(input)` is the event to stamp (or undefined),
 * `inject(input, stamped)` the input to record once it is stamped.
 */
function wrap(record, options, extract, inject) {
  if (typeof record !== 'function') {
    throw new TypeError('journey-attribution: pass the `record` function to wrap');
  }
  const tokens = options.tokenSource ?? createTokenSource(options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clock = options.clock ?? Date.now;

  const report = (reason, error) => {
    try {
      options.onError?.(reason, error);
    } catch {
      // A failing hook must not cost the event.
    }
  };

  const send = (input, rest) => {
    let result;
    try {
      result = record(input, ...rest);
    } catch (error) {
      report('record_failed', error);
      return Promise.resolve();
    }
    // Amplify v6's `record` returns nothing: skip a promise chain per event then.
    if (result === undefined) return RESOLVED;
    return Promise.resolve(result).catch((error) => report('record_failed', error));
  };

  const stamped = (input, token) => {
    const event = extract(input);
    if (isBinary(event)) {
      // Amplify's Kinesis / Firehose `data` may be bytes: nothing to stamp in them.
      report('binary_data', message('binary data', 'data is a Uint8Array; recorded as it is, unstamped'));
      return input;
    }
    if (event === undefined) {
      report('invalid_event', message('invalid event', 'nothing to stamp in this input'));
      return input;
    }
    let outcome;
    try {
      outcome = stampEventDetailed(event, token, clock());
    } catch (error) {
      report('invalid_event', error);
      return input;
    }
    if (outcome.status === 'invalid_token') {
      report('invalid_token', message('invalid token', 'the custom:campaign value is unreadable; recorded unstamped'));
    }
    try {
      options.onStamp?.(outcome.status, outcome.event);
    } catch {
      // As above.
    }
    return outcome.status === 'stamped' ? inject(input, outcome.event) : input;
  };

  const lookUp = () =>
    new Promise((resolve) => {
      const timer = setTimeout(() => {
        resolve({
          reason: isReady() ? 'token_timeout' : 'wasm_not_ready',
          error: message('timeout', `${isReady() ? 'no token' : 'WebAssembly not loaded'} after ${timeoutMs} ms; recorded unstamped`),
        });
      }, timeoutMs);
      const wasm = ready.then(
        () => undefined,
        (error) => ({ reason: 'wasm_unavailable', error }),
      );
      const token = tokens.get().then(
        (value) => ({ value }),
        (error) => ({ reason: 'token_lookup_failed', error }),
      );
      Promise.all([wasm, token]).then(([wasmFailure, outcome]) => {
        clearTimeout(timer);
        resolve(wasmFailure ?? outcome);
      });
    });

  const wrapped = (input, ...rest) => {
    const hit = isReady() ? tokens.peek() : undefined;
    if (hit) {
      // Fast path: a cached token, stamped and recorded synchronously.
      if ('error' in hit) {
        report('token_lookup_failed', hit.error);
        return send(input, rest);
      }
      return send(stamped(input, hit.value), rest);
    }
    return lookUp().then((outcome) => {
      if ('reason' in outcome) {
        report(outcome.reason, outcome.error);
        return send(input, rest);
      }
      return send(stamped(input, outcome.value), rest);
    });
  };
  wrapped.tokenSource = tokens;
  wrapped.dispose = () => tokens.dispose();
  return wrapped;
}

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const isBinary = (value) => value instanceof ArrayBuffer || ArrayBuffer.isView(value);

const asIs = (input) => input;
const replace = (_input, event) => event;

const streamData = (input) => (isObject(input) && isObject(input.data) ? input.data : undefined);
const withData = (input, data) => ({ ...input, data });

/** Amplify v6 `record({ name, attributes, metrics })` from 'aws-amplify/analytics'. */
export function wrapRecord(record, options = {}) {
  return wrap(record, options, asIs, replace);
}

/**
 * Amplify v5 `Analytics.record(event, provider?)`: `event` may be a name, an event object,
 * or `{ streamName, partitionKey?, data }` for the AWSKinesis / AWSKinesisFirehose providers.
 * Bind it first: `wrapRecordV5(Analytics.record.bind(Analytics), { Auth, Hub })`.
 */
export function wrapRecordV5(record, options = {}) {
  const extract = (input) => {
    if (typeof input === 'string') return { name: input };
    return isObject(input) && 'streamName' in input ? streamData(input) : input;
  };
  const inject = (input, event) => (isObject(input) && 'streamName' in input ? withData(input, event) : event);
  return wrap(record, options, extract, inject);
}

/** Amplify's Kinesis `record({ streamName, partitionKey?, data })`: stamps inside `data`. */
export function wrapKinesisRecord(record, options = {}) {
  return wrap(record, options, streamData, withData);
}

/** Amplify's Kinesis Firehose `record({ streamName, data })`: stamps inside `data`. */
export function wrapFirehoseRecord(record, options = {}) {
  return wrap(record, options, streamData, withData);
}
