// Types of `journey-attribution/holdout`.

/** A user's arm for a campaign. */
export type Arm = 'treatment' | 'control';

export interface Assignment {
  /** The campaign id the report's lift rows are keyed by. */
  campaignId: string;
  /** The user id conversions are counted by (the report's `--user-attribute`). */
  userId: string;
  /** The share held out, in percent, to 0.01 % (`10`, `2.5`). */
  holdoutPercent: number;
  /** Mixed into the hash: a new salt draws a new control group. Default `''`. */
  salt?: string;
}

/** One line of the exposure log (`JSON.stringify` it, one per line). */
export interface Exposure {
  campaign_id: string;
  user_id: string;
  arm: Arm;
  /** RFC 3339, UTC. */
  assigned_at: string;
  campaign?: string;
  holdout?: number;
  salt?: string;
}

/** Resolves once the module is loaded (already resolved in Node). */
export declare const ready: Promise<void>;
/** True once `assignArm` can be called. */
export declare function isReady(): boolean;
/** `control` with probability `holdoutPercent` %, else `treatment`; the same answer as
 * `journey-attribution holdout split` and every other component. Throws on a holdout
 * outside 0–100 or finer than 0.01 %. */
export declare function assignArm(assignment: Assignment): Arm;
/** The assignment as the exposure log's line; `assignedAt` defaults to now. */
export declare function exposure(
  assignment: Assignment & { label?: string; assignedAt?: Date | number },
): Exposure;
