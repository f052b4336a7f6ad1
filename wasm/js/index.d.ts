// Types of the package `journey-attribution`. The event and token types are generated from
// the Rust bindings (journey_attribution_wasm.d.ts); the wrappers' are here.
// `validateEvent` is in `journey-attribution/validate` (validate.d.ts).
import type { AnalyticsEvent, DecodedToken, StampResult, StampStatus, TokenInput } from './journey_attribution_wasm.js';

export type { AnalyticsEvent, DecodedToken, StampResult, StampStatus, TokenInput };

/** Resolves once the WebAssembly module is loaded (already resolved in Node). */
export declare const ready: Promise<void>;
/** True once the pure functions can be called synchronously. */
export declare function isReady(): boolean;

/**
 * A new event carrying `campaign` (and `campaign_id`) when the token is live; otherwise an
 * unstamped copy. Never mutates `event`; never throws on a bad token. Throws an `Error`
 * only when `event` is not an event object or before the module is loaded.
 * @param token the raw `custom:campaign` value (`null`/`undefined`: none)
 * @param nowMs epoch milliseconds; defaults to `Date.now()`
 */
export declare function stampEvent<E extends AnalyticsEvent>(event: E, token: string | null | undefined, nowMs?: number): E;
/** As `stampEvent`, with the reason it was or was not stamped. */
export declare function stampEventDetailed<E extends AnalyticsEvent>(event: E, token: string | null | undefined, nowMs?: number): StampResult<E>;
/** `null` when blank; throws an `Error` naming the problem when malformed. */
export declare function decodeToken(token: string | null | undefined): DecodedToken | null;
/** The inverse of `decodeToken`; throws an `Error` on input that would not read back. */
export declare function encodeToken(input: TokenInput): string;
/**
 * Stamps the `data` of a Kinesis / Firehose record, nested or flat (`shape`, default
 * "auto": detected per record); `shape` in the result is the one used.
 */
export declare function stampDataDetailed<E extends StreamEvent>(data: E, token: string | null | undefined, nowMs?: number, shape?: DataShape): { event: E; status: StampStatus; shape: 'nested' | 'flat' };

/** Why a wrapper recorded an event unstamped (the event is always recorded). */
export type FailureReason =
  | 'token_lookup_failed'
  | 'token_timeout'
  | 'wasm_not_ready'
  | 'wasm_unavailable'
  | 'invalid_token'
  | 'invalid_event'
  /** The stream record's `data` is bytes (a `Uint8Array`): recorded untouched. */
  | 'binary_data'
  /** A message link's parameter was malformed: ignored (the event is still recorded). */
  | 'invalid_link'
  /** The `window` / `windows` option is malformed (reported when the module loaded late). */
  | 'invalid_windows'
  | 'record_failed';

/** The subset of Amplify's Hub the wrappers use (`Hub` from 'aws-amplify/utils' or v5). */
export interface HubLike {
  listen(channel: 'auth', callback: (capsule: { payload: { event: string } }) => void): (() => void) | unknown;
}

export interface TokenSourceOptions {
  /** 'idToken' (default): the ID token claim, no Cognito call; 'userAttributes': GetUser. */
  source?: 'idToken' | 'userAttributes';
  /** The attribute / claim name. Default 'custom:campaign'. */
  attribute?: string;
  /** Amplify v6 `fetchAuthSession` from 'aws-amplify/auth'. */
  fetchAuthSession?: () => Promise<{ tokens?: { idToken?: { payload: Record<string, unknown> } } } | undefined>;
  /** Amplify v6 `fetchUserAttributes` from 'aws-amplify/auth'. */
  fetchUserAttributes?: () => Promise<Partial<Record<string, string>>>;
  /** Amplify v5 `Auth` (currentSession / currentUserInfo). */
  Auth?: {
    currentSession?: () => Promise<{ getIdToken(): { payload: Record<string, unknown> } }>;
    currentUserInfo?: () => Promise<{ attributes?: Record<string, string> } | null | undefined>;
  };
  /** Any other source of the raw value; takes precedence over the above. */
  getToken?: () => Promise<string | null | undefined> | string | null | undefined;
  /** Amplify Hub: the cache is dropped on auth events (sign-in, sign-out, token refresh). */
  Hub?: HubLike;
  /**
   * How long a looked-up value is reused. Default 0 for the ID token (its claim is read for
   * every event, locally, so a sign-in in another tab never mixes users), 60 000 ms for
   * 'userAttributes' and `getToken` (keyed by the ID token's `sub` when `fetchAuthSession`
   * or `Auth` is given).
   */
  cacheTtlMs?: number;
  /** How long a failed lookup is remembered (capped by cacheTtlMs). Default 5 000 ms. */
  errorTtlMs?: number;
  /** Epoch-millisecond clock (tests). Default Date.now. */
  clock?: () => number;
}

export interface TokenSource {
  get(): Promise<unknown>;
  peek(): { value: unknown; at: number } | { error: unknown; at: number } | undefined;
  invalidate(): void;
  dispose(): void;
}

export declare function createTokenSource(options?: TokenSourceOptions): TokenSource;

export interface WrapOptions extends TokenSourceOptions {
  /** Share one token source between wrappers. */
  tokenSource?: TokenSource;
  /** Longest wait for the token (and the module) before recording unstamped. Default 200. */
  timeoutMs?: number;
  /** Told why an event went out unstamped; the event is recorded regardless. */
  onError?: (reason: FailureReason, error: unknown) => void;
  /** Told every outcome, stamped or not. */
  onStamp?: (status: StampStatus, event: AnalyticsEvent) => void;
  /**
   * Kinesis / Firehose wrappers (and `wrapRecordV5`'s stream inputs): how `data` holds the
   * event. "nested": `{ name, attributes, metrics }`, stamped in `attributes`; "flat":
   * `{ name, genre: 'jazz', minutes: 30 }` (Amplify's migration guide), stamped at the top
   * level; "auto" (the default): nested when `data` has `attributes` or `metrics` or
   * nothing but `name` / `timestamp`, flat otherwise.
   */
  dataShape?: DataShape;
  /**
   * Capture the landing touch of a message link (`ja`, or `utm_campaign` / `utm_id` from
   * one of `utmChannels`, in the page's address) when the wrapper is created, and let it
   * stamp while it is the newest live attribution, signed in or not. Default true; false:
   * no landing touch at all.
   */
  landing?: boolean;
  /**
   * The app's own channels: a UTM link is a landing touch only when its `utm_medium` or
   * `utm_source` is one of them (ASCII case ignored), so an ad's or an affiliate's link
   * never replaces a journey's attribution. Default `['email', 'sms', 'push']`. `ja` links
   * always count.
   */
  utmChannels?: readonly string[];
  /** Every UTM link is a landing touch, whatever its channel. Default false. */
  anyUtm?: boolean;
  /** The landing touch's lookback window (`LOOKBACK_WINDOW` syntax: 30d, 48h, 15m). Default 30d. */
  window?: string;
  /** Per-application windows (`LOOKBACK_WINDOWS` syntax: `appId=7d,other=12h`). */
  windows?: string;
  /** Remove the link's parameters from the address bar (`history.replaceState`). Default false. */
  stripParams?: boolean;
  /** Forget the landing touch on Hub `signedOut` (it belongs to the browser). Default false. */
  clearOnSignOut?: boolean;
}

/** What `captureLanding` found. */
export interface LandingCapture {
  /** A landing touch was captured (and kept, until it expires). */
  captured: boolean;
  /** A parameter ignored as malformed, named in the message. */
  ignored?: Error;
}

/**
 * Captures the landing touch of `url` (default: the page's address), as the wrappers do
 * when they are created: for single-page apps and routers. Kept in localStorage (in memory
 * where storage fails) until it expires. Rejects on a malformed `window` / `windows`.
 */
export declare function captureLanding(
  url?: string,
  options?: { window?: string; windows?: string; stripParams?: boolean; utmChannels?: readonly string[]; anyUtm?: boolean; nowMs?: number },
): Promise<LandingCapture>;
/** Forgets the landing touch. */
export declare function clearLanding(): void;

/** How Kinesis / Firehose `data` holds the event (see `WrapOptions.dataShape`). */
export type DataShape = 'auto' | 'nested' | 'flat';

/** Stream data with a `name`, nested or flat. */
export interface StreamEvent {
  name: string;
  [field: string]: unknown;
}

export type Wrapped<F extends (...args: any[]) => unknown> = ((...args: Parameters<F>) => Promise<Awaited<ReturnType<F>> | undefined>) & {
  tokenSource: TokenSource;
  /** Stops listening to Hub. */
  dispose(): void;
};

/**
 * Amplify v6 `record({ name, attributes, metrics })` from 'aws-amplify/analytics'. Every
 * wrapper also gives each custom event an `event_id` attribute (a UUID v4; at the top level
 * of flat stream data) unless the app set one or it would break Pinpoint's 40 keys, so the
 * report counts a redelivered event once.
 */
export declare function wrapRecord<F extends (event: AnalyticsEvent, ...rest: any[]) => unknown>(record: F, options?: WrapOptions): Wrapped<F>;
/** Amplify v5 `Analytics.record(event, provider?)`; bind it to `Analytics` first. */
export declare function wrapRecordV5<F extends (event: any, ...rest: any[]) => unknown>(record: F, options?: WrapOptions): Wrapped<F>;
/** What Amplify's Kinesis and Firehose providers record: an object, or bytes (never stamped). */
export type StreamData = Record<string, unknown> | Uint8Array;

/** The input of Amplify's Kinesis `record` ('aws-amplify/analytics/kinesis'): `partitionKey` is required. */
export interface KinesisRecordInput {
  streamName: string;
  partitionKey: string;
  data: StreamData;
}

/** The input of Amplify's Kinesis Firehose `record` ('aws-amplify/analytics/kinesis-firehose'). */
export interface FirehoseRecordInput {
  streamName: string;
  data: StreamData;
}

/**
 * Amplify's Kinesis `record({ streamName, partitionKey, data })`; stamps inside `data`
 * (bytes are recorded as they are, with `binary_data`). Accepts Amplify's overloaded
 * `record` as it is typed (its `(input)` signature).
 */
export declare function wrapKinesisRecord<
  F extends ((input: KinesisRecordInput) => unknown) | ((input: { streamName: string; partitionKey?: string; data: Record<string, unknown> }) => unknown),
>(record: F, options?: WrapOptions): Wrapped<F>;
/** Amplify's Kinesis Firehose `record({ streamName, data })`; stamps inside `data`. */
export declare function wrapFirehoseRecord<
  F extends ((input: FirehoseRecordInput) => unknown) | ((input: { streamName: string; data: Record<string, unknown> }) => unknown),
>(record: F, options?: WrapOptions): Wrapped<F>;

/** What `autoTrackAttributed` returns. */
export interface AutoTrackAttributed {
  /** Settles once the first configuration (with or without the stamp) is done. */
  ready: Promise<void>;
  /** Re-reads the token and re-configures the tracker (also done on Hub auth events). */
  refresh(): Promise<void>;
  /** Stops listening (Hub, storage, the expiry timer); the tracker stays as configured. */
  dispose(): void;
}

/**
 * Stamps auto-tracked events: calls Amplify's Kinesis / Firehose `configureAutoTrack` with
 * `input.options.attributes` plus `campaign` / `campaign_id` while the attribution is live,
 * and again after Hub auth events, other tabs' token changes and at the attribution's expiry.
 */
export declare function autoTrackAttributed<F extends (input: any) => void>(
  configureAutoTrack: F,
  input: Parameters<F>[0] & { type: string; options?: { attributes?: Record<string, string> } },
  options?: WrapOptions,
): AutoTrackAttributed;
