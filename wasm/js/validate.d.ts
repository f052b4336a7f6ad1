// Types of `journey-attribution/validate`.
import type { AnalyticsEvent, Violation } from './journey_attribution_validate.js';

export type { AnalyticsEvent, Violation };

/** Resolves once the module is loaded (already resolved in Node). */
export declare const ready: Promise<void>;
/** True once `validateEvent` can be called. */
export declare function isReady(): boolean;
/** The ways `event` breaks Pinpoint's limits; empty when it is fine. Throws on a malformed event. */
export declare function validateEvent(event: AnalyticsEvent): Violation[];
