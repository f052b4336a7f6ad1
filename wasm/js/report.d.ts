// Types of `journey-attribution/report`: the same JSON as
// `journey-attribution report --format json`.

/** What counts as a conversion and what is revenue. */
export interface ReportOptions {
  /** Goal event types; empty or absent: every attributed custom event is a goal. */
  goals?: string[];
  /** The metric summed over attributed goal events as revenue; absent/null: revenue unknown. */
  revenueMetric?: string | null;
  /** The attribute holding a goal event's order id (default `order_id`): goal events sharing one count once, the earliest. */
  orderAttribute?: string | null;
  /** The event type of a refund: a refund carrying an order id takes that order's revenue off the campaign that earned it. Off by default. */
  refundEvent?: string | null;
  /** The largest revenue one event may carry (default 1,000,000; at most 1e12); other values are skipped. */
  maxRevenue?: number;
  /**
   * The text of an exposure log (JSON lines `{"campaign_id", "user_id", "arm":
   * "treatment"|"control", "assigned_at"}`): the report then has `lift`.
   */
  exposures?: string | null;
  /** With `exposures`: the conversion window from each assignment (`30d`, `12h`, `90m`). */
  liftWindow?: string | null;
  /** With `exposures`: the confidence level of the intervals (default 0.95). */
  confidence?: number | null;
  /** With `exposures`: the event attribute holding the log's `user_id` (default `user_id`). */
  userAttribute?: string | null;
}

/** One campaign's lift: treatment against its holdout (control). */
export interface LiftRow {
  campaign_id: string;
  campaign: string | null;
  window: string;
  confidence: number;
  treatment_users: number;
  control_users: number;
  treatment_converted: number;
  control_converted: number;
  treatment_rate: number | null;
  control_rate: number | null;
  /** Treatment rate minus control rate; Newcombe's hybrid score interval. */
  rate_difference: number | null;
  rate_difference_ci: [number, number] | null;
  /** Treatment rate / control rate - 1; log (Katz) interval; null without control conversions. */
  relative_lift: number | null;
  relative_lift_ci: [number, number] | null;
  incremental_conversions: number | null;
  incremental_conversions_ci: [number, number] | null;
  treatment_revenue: number | null;
  control_revenue: number | null;
  /** Welch interval on revenue per assigned user, times the treatment users. */
  incremental_revenue: number | null;
  incremental_revenue_ci: [number, number] | null;
  cost: number | null;
  /** Incremental revenue / cost. */
  iroas: number | null;
  /** Users logged in both arms: left out. */
  refused_users: number;
  /** False below 1,000 control users or 10 conversions in an arm. */
  conclusive: boolean;
  note: string | null;
}

/** One row of the marketer's costs: `campaign` is a label or a journey id. */
export interface Cost {
  campaign: string;
  cost: number;
}

export interface CampaignReport {
  /** The label (most frequent one when a journey's label changed). */
  campaign: string;
  /** The journey id; null for label-only stamps and for cost rows that matched no event. */
  campaign_id: string | null;
  attributed_events: number;
  events_by_type: Record<string, number>;
  /** Distinct `client.client_id` with an attributed goal event. */
  converted_users: number;
  /** null without a revenue metric. */
  revenue: number | null;
  cost: number | null;
  /** (revenue - cost) / cost; null when revenue or cost is unknown, or cost is zero. */
  roi: number | null;
}

export interface Report {
  /** Highest revenue first, then most attributed events, then by label and id. */
  campaigns: CampaignReport[];
  /** Non-blank lines that were not Pinpoint event records. */
  skipped_lines: number;
  /** Non-blank lines read. */
  lines: number;
  /** Inputs the CLI reached twice and read once (absent when none; never in the browser). */
  repeated_inputs?: number;
  /** Records read (a line may hold several concatenated records). */
  events: number;
  /** Records whose type does not start with `_`. */
  custom_events: number;
  /** Custom events carrying a campaign, each event once. */
  attributed_events: number;
  /** Attributed, goal or refund records not counted: the same event id, else the same content, or a goal event's order id. */
  duplicates: number;
  /** Orders whose revenue a refund took off the campaign that earned it. */
  refunds: number;
  /** Refunds whose order earned no attributed revenue. */
  unmatched_refunds: number;
  /** Revenue values skipped: not a finite number in [0, maxRevenue] (their events still count). */
  skipped_revenue: number;
  goals: string[];
  revenue_metric: string | null;
  /** With `exposures`: one row per campaign of the log, by campaign id. */
  lift?: LiftRow[];
  /** Cost rows whose `campaign` matched no journey id or label exactly (absent when none). */
  unmatched_costs?: string[];
}

/** Resolves once the report's WebAssembly module is loaded (already resolved in Node). */
export declare const ready: Promise<void>;
/** True once `buildReport` can be called. */
export declare function isReady(): boolean;

/**
 * The ROI report on `text`: Pinpoint event-stream records, one JSON object per line, as
 * Firehose writes them. Malformed lines are counted in `skipped_lines`, not fatal. Throws
 * an `Error` with the core's message on bad options or costs (e.g. a cost row whose label
 * matches several campaigns, by journey id or label, a malformed exposure log line), or before the module is loaded.
 */
export declare function buildReport(text: string, options?: ReportOptions | null, costs?: Cost[] | null): Report;
