// Wrappers for Amplify's `record`, built on the pure API. They never throw into the app and
// never drop an event: whatever fails (no session, a Cognito error, a bad token, the
// WebAssembly module not loaded yet), the event is recorded unstamped and `onError(reason,
// error)` is told why. No attribution rule lives here: stamping is the core's.
import { checkDataShape, isReady, ready, stampDataWith, stampEventWith } from './core.js';
import { captureLanding, checkChannels, clearLanding, hasLanding } from './landing-touch.js';
import { newEventId } from './event-id.js';
import { SIGN_OUT_EVENTS, onAuthChange } from './auth-events.js';
import { message, reporter } from './failure.js';
import { tokenWithin, within } from './lookup.js';
import { createTokenSource } from './token-source.js';

/**
 * @typedef {import('./index.js').WrapOptions} WrapOptions
 * @typedef {import('./index.js').AnalyticsEvent} AnalyticsEvent
 * @typedef {(...args: any[]) => unknown} RecordFn
 * @typedef {((...args: any[]) => Promise<any>) & { tokenSource: import('./index.js').TokenSource, dispose(): void }} WrappedRecord
 */

const DEFAULT_TIMEOUT_MS = 200;
const RESOLVED = Promise.resolve();

/**
 * How a wrapper reads its input: `extract(input)` is the event to stamp (or undefined),
 * `inject(input, stamped)` the input to record once it is stamped, `isStream(input)`
 * whether the event is Kinesis / Firehose `data` (nested or flat, see `dataShape`).
 * @typedef {object} InputShape
 * @property {(input: any) => any} extract
 * @property {(input: any, event: any) => any} inject
 * @property {(input: any) => boolean} isStream
 */

/**
 * The wrapping machinery for one input shape.
 * @param {RecordFn} record
 * @param {WrapOptions} options
 * @param {InputShape} shape
 * @returns {WrappedRecord}
 */
function wrap(record, options, { extract, inject, isStream }) {
  if (typeof record !== 'function') {
    throw new TypeError('journey-attribution: pass the `record` function to wrap');
  }
  const dataShape = options.dataShape ?? 'auto';
  checkDataShape(dataShape);
  const tokens = options.tokenSource ?? createTokenSource(options);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const clock = options.clock ?? Date.now;
  const withLanding = options.landing !== false;
  checkChannels(options.utmChannels);
  const report = reporter(options.onError);

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
              utmChannels: options.utmChannels,
              anyUtm: options.anyUtm === true,
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
  const stopSignOut =
    withLanding && options.clearOnSignOut === true ? onAuthChange(options.Hub, SIGN_OUT_EVENTS, clearLanding, false) : undefined;

  /**
   * @param {unknown} input
   * @param {unknown[]} rest
   * @returns {Promise<any>}
   */
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

  // Whether the event being stamped got an id (else, unstamped, it goes out as given).
  let identified = false;
  const newId = () => {
    identified = true;
    return newEventId();
  };

  /**
   * The input to record: stamped with `token` (or the landing touch) when it holds, with
   * an event id when it fits. `tell`: `onStamp` is told the outcome.
   * @param {unknown} input
   * @param {unknown} token
   * @param {boolean} tell
   */
  const stamped = (input, token, tell) => {
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
    identified = false;
    try {
      outcome = isStream(input)
        ? stampDataWith(event, token, clock(), dataShape, withLanding, newId)
        : stampEventWith(event, token, clock(), withLanding, newId);
    } catch (error) {
      report('invalid_event', error);
      return input;
    }
    if (outcome.status === 'invalid_token') {
      report('invalid_token', message('invalid token', 'the custom:campaign value is unreadable; recorded unstamped'));
    }
    if (tell) {
      try {
        options.onStamp?.(outcome.status, outcome.event);
      } catch {
        // As for onError.
      }
    }
    return outcome.status === 'stamped' || identified ? inject(input, outcome.event) : input;
  };

  // The token and the landing capture in parallel, both within `timeoutMs` (a slow landing
  // module costs this event its landing stamp, not its recording).
  const lookUp = () =>
    captured
      ? tokenWithin(tokens, timeoutMs)
      : Promise.all([tokenWithin(tokens, timeoutMs), within(landingReady, timeoutMs)]).then(([outcome]) => outcome);
  /**
   * No token (a failed or slow lookup): a live landing touch still stamps, and once the
   * module is loaded the event gets its id (`onStamp` hears of it when a landing touch
   * could stamp it).
   * @param {unknown} input
   * @param {unknown[]} rest
   */
  const withoutToken = (input, rest) =>
    send(isReady() ? stamped(input, undefined, withLanding && hasLanding()) : input, rest);

  /** @type {(input: unknown, ...rest: unknown[]) => Promise<any>} */
  const recordStamped = (input, ...rest) => {
    const hit = isReady() && captured ? tokens.peek() : undefined;
    if (hit) {
      // Fast path: a cached token, stamped and recorded synchronously.
      if ('error' in hit) {
        report('token_lookup_failed', hit.error);
        return withoutToken(input, rest);
      }
      return send(stamped(input, hit.value, true), rest);
    }
    return lookUp().then((outcome) => {
      if ('reason' in outcome) {
        report(outcome.reason, outcome.error);
        return withoutToken(input, rest);
      }
      return send(stamped(input, outcome.value, true), rest);
    });
  };
  return Object.assign(recordStamped, {
    tokenSource: tokens,
    dispose: () => {
      tokens.dispose();
      stopSignOut?.();
    },
  });
}

/** @param {unknown} value */
const isObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
/** @param {unknown} value */
const isBinary = (value) => value instanceof ArrayBuffer || ArrayBuffer.isView(value);
/** @param {any} input */
const hasStream = (input) => isObject(input) && 'streamName' in input;
/** @param {any} input */
const streamData = (input) => (isObject(input) && isObject(input.data) ? input.data : undefined);
/**
 * @param {any} input
 * @param {unknown} data
 */
const withData = (input, data) => ({ ...input, data });

/** @type {InputShape} An event: `{ name, attributes, metrics }`. */
const EVENT = { extract: (input) => input, inject: (_input, event) => event, isStream: () => false };
/** @type {InputShape} A Kinesis / Firehose record: the event is its `data`. */
const STREAM = { extract: streamData, inject: withData, isStream: () => true };
/** @type {InputShape} Amplify v5's `Analytics.record` input: a name, an event, or a stream record. */
const V5 = {
  extract: (input) => {
    if (typeof input === 'string') return { name: input };
    return hasStream(input) ? streamData(input) : input;
  },
  inject: (input, event) => (hasStream(input) ? withData(input, event) : event),
  isStream: hasStream,
};

/**
 * Amplify v6 `record({ name, attributes, metrics })` from 'aws-amplify/analytics'.
 * @type {typeof import('./index.js').wrapRecord}
 */
export const wrapRecord = (record, options = {}) => wrap(record, options, EVENT);

/**
 * Amplify v5 `Analytics.record(event, provider?)`: `event` may be a name, an event object,
 * or `{ streamName, partitionKey?, data }` for the AWSKinesis / AWSKinesisFirehose providers.
 * Bind it first: `wrapRecordV5(Analytics.record.bind(Analytics), { Auth, Hub })`.
 * @type {typeof import('./index.js').wrapRecordV5}
 */
export const wrapRecordV5 = (record, options = {}) => wrap(record, options, V5);

/**
 * Amplify's Kinesis `record({ streamName, partitionKey, data })`: stamps inside `data`,
 * nested (`{ name, attributes, metrics }`) or flat (`{ name, genre: 'jazz' }`), per
 * `options.dataShape` ("auto": detected per record).
 * @type {typeof import('./index.js').wrapKinesisRecord}
 */
export const wrapKinesisRecord = (record, options = {}) => wrap(record, options, STREAM);

/**
 * Amplify's Kinesis Firehose `record({ streamName, data })`: as `wrapKinesisRecord`.
 * @type {typeof import('./index.js').wrapFirehoseRecord}
 */
export const wrapFirehoseRecord = (record, options = {}) => wrap(record, options, STREAM);
