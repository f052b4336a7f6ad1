// Types of `journey-attribution/report`: the same JSON as
// `journey-attribution report --format json`.

/** What counts as a conversion and what is revenue. */
export interface ReportOptions {
  /** Goal event types; empty or absent: every attributed custom event is a goal. */
  goals?: string[];
  /** The metric summed over attributed goal events as revenue; absent/null: revenue unknown. */
  revenueMetric?: string | null;
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
  /** Custom events carrying a campaign. */
  attributed_events: number;
  goals: string[];
  revenue_metric: string | null;
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
 * matches several journeys), or before the module is loaded.
 */
export declare function buildReport(text: string, options?: ReportOptions | null, costs?: Cost[] | null): Report;
