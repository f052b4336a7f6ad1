// Wrappers for Amplify's `record`, built on the pure API. They never throw into the app and
// never drop an event: whatever fails (no session, a Cognito error, a bad token, the
// WebAssembly module not loaded yet), the event is recorded unstamped and `onError(reason,
// error)` is told why. No attribution rule lives here: stamping is `stampEventDetailed`.
import { captureLanding, checkDataShape, clearLanding, decodeToken, hasLanding, isReady, ready, stampDataDetailed, stampEventDetailed, stampWithLanding } from './core.js';

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
 * The token, once the module is ready too, within `timeoutMs`: `{ value }`, or `{ reason,
 * error }` saying why not (`token_timeout`, `wasm_not_ready`, `wasm_unavailable`,
 * `token_lookup_failed`).
 */
function tokenWithin(tokens, timeoutMs) {
  return new Promise((resolve) => {
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
}

/** `promise`, or nothing after `ms`. */
function within(promise, ms) {
  let timer;
  const late = new Promise((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/**
 * The wrapping machinery. `extract(input)` is the event to stamp (or undefined),
 * `inject(input, stamped)` the input to record once it is stamped, `isStream(input)` whether
 * the event is Kinesis / Firehose `data` (nested or flat, see `options.dataShape`).
 */
function wrap(record, options, extract, inject, isStream) {
  if (typeof record !== 'function') {
    throw new TypeError('journey-attribution: pass the `record` function to wrap');
  }
  const dataShape = options.dataShape ?? 'auto';
  checkDataShape(dataShape);
  const tokens = options.tokenSource ?? createTokenSource(options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clock = options.clock ?? Date.now;
  const withLanding = options.landing !== false;

  const report = (reason, error) => {
    try {
      options.onError?.(reason, error);
    } catch {
      // A failing hook must not cost the event.
    }
  };

  // The landing touch of this page's address, captured once the module is loaded; the
  // first event waits for it (within `timeoutMs`) like for the token.
  let captured = !withLanding;
  const landingReady = withLanding
    ? ready
        .then(
          () =>
            captureLanding(undefined, {
              window: options.window,
              windows: options.windows,
              stripParams: options.stripParams === true,
              nowMs: clock(),
            }).then(
              ({ ignored }) => ignored && report('invalid_link', ignored),
              (error) => report('invalid_windows', error),
            ),
          // A module that fails to load is reported by the event's own lookup.
          () => {},
        )
        .then(() => {
          captured = true;
        })
    : RESOLVED;
  let stopSignOut;
  if (withLanding && options.clearOnSignOut === true && typeof options.Hub?.listen === 'function') {
    stopSignOut = options.Hub.listen('auth', (capsule) => {
      const event = capsule?.payload?.event;
      if (event === 'signedOut' || event === 'signOut') clearLanding();
    });
  }

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
      if (isStream(input)) outcome = stampDataDetailed(event, token, clock(), dataShape, withLanding);
      else outcome = withLanding ? stampWithLanding(event, token, clock()) : stampEventDetailed(event, token, clock());
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

  // The token and the landing capture in parallel, both within `timeoutMs` (a slow landing
  // module costs this event its landing stamp, not its recording).
  const lookUp = () =>
    captured
      ? tokenWithin(tokens, timeoutMs)
      : Promise.all([tokenWithin(tokens, timeoutMs), within(landingReady, timeoutMs)]).then(([outcome]) => outcome);
  // No token (a failed or slow lookup): a live landing touch still stamps.
  const withoutToken = (input, rest) => send(withLanding && isReady() && hasLanding() ? stamped(input, undefined) : input, rest);

  const wrapped = (input, ...rest) => {
    const hit = isReady() && captured ? tokens.peek() : undefined;
    if (hit) {
      // Fast path: a cached token, stamped and recorded synchronously.
      if ('error' in hit) {
        report('token_lookup_failed', hit.error);
        return withoutToken(input, rest);
      }
      return send(stamped(input, hit.value), rest);
    }
    return lookUp().then((outcome) => {
      if ('reason' in outcome) {
        report(outcome.reason, outcome.error);
        return withoutToken(input, rest);
      }
      return send(stamped(input, outcome.value), rest);
    });
  };
  wrapped.tokenSource = tokens;
  wrapped.dispose = () => {
    tokens.dispose();
    if (typeof stopSignOut === 'function') stopSignOut();
  };
  return wrapped;
}

const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const isBinary = (value) => value instanceof ArrayBuffer || ArrayBuffer.isView(value);

const asIs = (input) => input;
const replace = (_input, event) => event;
const never = () => false;
const always = () => true;
const hasStream = (input) => isObject(input) && 'streamName' in input;

const streamData = (input) => (isObject(input) && isObject(input.data) ? input.data : undefined);
const withData = (input, data) => ({ ...input, data });

/** Amplify v6 `record({ name, attributes, metrics })` from 'aws-amplify/analytics'. */
export function wrapRecord(record, options = {}) {
  return wrap(record, options, asIs, replace, never);
}

/**
 * Amplify v5 `Analytics.record(event, provider?)`: `event` may be a name, an event object,
 * or `{ streamName, partitionKey?, data }` for the AWSKinesis / AWSKinesisFirehose providers.
 * Bind it first: `wrapRecordV5(Analytics.record.bind(Analytics), { Auth, Hub })`.
 */
export function wrapRecordV5(record, options = {}) {
  const extract = (input) => {
    if (typeof input === 'string') return { name: input };
    return hasStream(input) ? streamData(input) : input;
  };
  const inject = (input, event) => (hasStream(input) ? withData(input, event) : event);
  return wrap(record, options, extract, inject, hasStream);
}

/**
 * Amplify's Kinesis `record({ streamName, partitionKey, data })`: stamps inside `data`,
 * nested (`{ name, attributes, metrics }`) or flat (`{ name, genre: 'jazz' }`), per
 * `options.dataShape` ("auto": detected per record).
 */
export function wrapKinesisRecord(record, options = {}) {
  return wrap(record, options, streamData, withData, always);
}

/** Amplify's Kinesis Firehose `record({ streamName, data })`: as `wrapKinesisRecord`. */
export function wrapFirehoseRecord(record, options = {}) {
  return wrap(record, options, streamData, withData, always);
}

// setTimeout's longest delay (2^31 - 1 ms, about 24.8 days); longer waits are chained.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * Stamps Amplify's auto-tracked events (`configureAutoTrack` of the Kinesis and Firehose
 * providers, which record through their own module's `record`, out of any wrapper's
 * reach). Amplify's supported way to give them attributes is `input.options.attributes`,
 * fixed until `configureAutoTrack` is called again; so this calls it with those attributes
 * plus `campaign` / `campaign_id` while the attribution is live (the core's decision, as
 * for a custom event named `input.type`), and calls it again after Hub auth events, when
 * another tab changes Amplify's stored tokens, and at the attribution's `expiresAt`.
 * `input` is what `configureAutoTrack` takes (`{ enable, type, options }`). Returns
 * `{ ready, refresh(), dispose() }`; `ready` settles once the first configuration is done.
 */
export function autoTrackAttributed(configureAutoTrack, input, options = {}) {
  if (typeof configureAutoTrack !== 'function') {
    throw new TypeError('journey-attribution: pass the provider\'s `configureAutoTrack` function');
  }
  if (!isObject(input) || typeof input.type !== 'string') {
    throw new TypeError('journey-attribution: pass configureAutoTrack\'s input ({ enable, type, options })');
  }
  const tokens = options.tokenSource ?? createTokenSource(options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clock = options.clock ?? Date.now;
  const base = input.options?.attributes ?? {};
  let generation = 0;
  let timer;
  let disposed = false;

  const report = (reason, error) => {
    try {
      options.onError?.(reason, error);
    } catch {
      // A failing hook must not stop the tracking.
    }
  };

  const configure = (attributes) => {
    try {
      configureAutoTrack({ ...input, options: { ...input.options, attributes } });
    } catch (error) {
      report('record_failed', error);
    }
  };

  // Calls `refresh` again at `expiresAtMs`.
  const scheduleAt = (expiresAtMs) => {
    clearTimeout(timer);
    const wait = expiresAtMs - clock();
    timer = setTimeout(() => (wait > MAX_TIMER_MS ? scheduleAt(expiresAtMs) : refresh()), Math.max(0, Math.min(wait, MAX_TIMER_MS)));
  };

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
      stamped = stampEventDetailed({ name: input.type, attributes: base }, outcome.value, clock());
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
      const expiresAt = decodeToken(outcome.value)?.expiresAt;
      if (typeof expiresAt === 'number') scheduleAt(expiresAt);
    }
  }

  // Hub events reach only this tab; storage events the others. The token source forgets
  // its cache on the same events (its listeners were added first).
  const stopHub =
    options.Hub && typeof options.Hub.listen === 'function'
      ? options.Hub.listen('auth', (capsule) => {
          if (AUTH_EVENTS.has(capsule?.payload?.event)) refresh();
        })
      : undefined;
  const onStorage = (event) => {
    if (event?.key == null || String(event.key).startsWith(TOKEN_STORAGE_PREFIX)) refresh();
  };
  const target = typeof globalThis.addEventListener === 'function' ? globalThis : undefined;
  target?.addEventListener('storage', onStorage);

  return {
    ready: refresh(),
    refresh,
    dispose: () => {
      disposed = true;
      clearTimeout(timer);
      if (typeof stopHub === 'function') stopHub();
      target?.removeEventListener('storage', onStorage);
      if (!options.tokenSource) tokens.dispose();
    },
  };
}
