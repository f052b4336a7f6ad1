//! The mergeable partial aggregate behind the report.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::Hash;

use super::model::{CampaignReport, Cost, Report, ReportError, ReportOptions, SkippedLine};
use super::pricing::{self, round6};
use super::record::Record;
use super::shapes::{self, Object, Shape};
use super::touches::{TouchAggregator, TouchOptions, Touches};
use crate::lift::exposures::Exposures;
use crate::lift::{LiftAggregator, LiftOptions};
use journey_attribution_core::event::is_reserved_event_type;
use journey_attribution_core::ses::SesConfig;
use std::sync::Arc;

/// One object of a line once read: an event, or an SES record's journey touch (`None` when it
/// is not one, or when touch reconstruction is off and it is not even read).
enum Parsed<'a> {
    Event(shapes::Parsed<'a>),
    Ses(Option<journey_attribution_core::touch::Touch>),
}

/// Partial report over the lines pushed so far. Build one per thread and [`merge`] them:
/// the result does not depend on how the input was split.
///
/// [`merge`]: Aggregator::merge
#[derive(Debug, Clone)]
pub struct Aggregator {
    options: ReportOptions,
    /// Grouped by journey id.
    by_id: HashMap<String, CampaignAgg>,
    /// Events stamped with a label but no journey id, grouped by label.
    by_label: HashMap<String, CampaignAgg>,
    lines: u64,
    skipped_lines: u64,
    events: u64,
    custom_events: u64,
    attributed_events: u64,
    /// Touch reconstruction, when asked for: behind [`Touches`], so that a build that never
    /// asks for it (the npm report module) links none of it.
    touches: Option<Box<dyn Touches>>,
    /// Lift, when an exposure log is given.
    lift: Option<Box<LiftAggregator>>,
}

#[derive(Debug, Clone, Default)]
struct CampaignAgg {
    labels: HashMap<String, u64>,
    attributed_events: u64,
    events_by_type: HashMap<String, u64>,
    converted: HashSet<String>,
    revenue: f64,
}

impl CampaignAgg {
    fn merge(&mut self, other: CampaignAgg) {
        for (label, n) in other.labels {
            *self.labels.entry(label).or_default() += n;
        }
        self.attributed_events += other.attributed_events;
        for (t, n) in other.events_by_type {
            *self.events_by_type.entry(t).or_default() += n;
        }
        self.converted.extend(other.converted);
        self.revenue += other.revenue;
    }

    /// The most frequent label; ties go to the smallest, so the choice is deterministic.
    fn label(&self) -> String {
        self.labels
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then_with(|| b.0.cmp(a.0)))
            .map(|(l, _)| l.clone())
            .unwrap_or_default()
    }
}

/// `map[key]`, inserting a default first; allocates the key only when it is new.
fn slot<'m, V: Default>(map: &'m mut HashMap<String, V>, key: &str) -> &'m mut V {
    if !map.contains_key(key) {
        map.insert(key.to_owned(), V::default());
    }
    map.get_mut(key).expect("inserted above")
}

fn bump(map: &mut HashMap<String, u64>, key: &str) {
    match map.get_mut(key) {
        Some(n) => *n += 1,
        None => {
            map.insert(key.to_owned(), 1);
        }
    }
}

fn merge_maps<K: Eq + Hash>(into: &mut HashMap<K, CampaignAgg>, from: HashMap<K, CampaignAgg>) {
    for (k, agg) in from {
        into.entry(k).or_default().merge(agg);
    }
}

impl Aggregator {
    pub fn new(options: ReportOptions) -> Self {
        Aggregator {
            options,
            by_id: HashMap::new(),
            by_label: HashMap::new(),
            lines: 0,
            skipped_lines: 0,
            events: 0,
            custom_events: 0,
            attributed_events: 0,
            touches: None,
            lift: None,
        }
    }

    /// Also measures lift over `exposures` (see [`crate::lift`]); the report then has a
    /// `lift` section. Goal events are read a second time for it.
    pub fn with_lift(mut self, exposures: Arc<Exposures>, lift: LiftOptions) -> Self {
        self.lift = Some(Box::new(LiftAggregator::new(
            exposures,
            lift,
            &self.options.goals,
            self.options.revenue_metric.as_deref(),
        )));
        self
    }

    /// Like [`Aggregator::new`], also reconstructing journey touches (see
    /// [`TouchAggregator`]); the report then has a `touch_attribution` section. Each line is
    /// parsed a second time for it, and its memory grows with users × touches.
    pub fn with_touches(options: ReportOptions, touch: TouchOptions) -> Self {
        let touches = TouchAggregator::new(&options, touch);
        Aggregator {
            touches: Some(Box::new(touches)),
            ..Aggregator::new(options)
        }
    }

    /// Reads SES event records for touch reconstruction with `ses` instead of
    /// [`SesConfig::default()`] (see [`TouchAggregator::with_ses`]); no effect without touch
    /// reconstruction, whose absence leaves SES event records unread.
    pub fn with_ses(mut self, ses: SesConfig) -> Self {
        if let Some(touches) = &mut self.touches {
            touches.set_ses(ses);
        }
        self
    }

    pub fn touch_options(&self) -> Option<&TouchOptions> {
        self.touches.as_deref().map(Touches::options)
    }

    pub fn options(&self) -> &ReportOptions {
        &self.options
    }

    /// Adds one line of an event-stream export. Blank lines are ignored. A line holds one
    /// record, or several written back to back (`{...}{...}`, as Firehose does without a
    /// delimiter), each of any shape the report reads (see the module docs); either all of
    /// them count or, when any is malformed or of no known shape, none does and the line is
    /// counted in `skipped_lines`. SES event records are never events (see the module
    /// docs): touch reconstruction reads them, and without it they are accepted unread.
    pub fn push_line(&mut self, line: &str) -> Result<(), SkippedLine> {
        let line = line.trim_end_matches(['\n', '\r']);
        if line.trim_start().is_empty() {
            return Ok(());
        }
        self.lines += 1;
        // Pinpoint lines go straight to the zero-copy parse; the others, and Pinpoint lines
        // that fail it, are split into objects and parsed by shape.
        let result = if shapes::may_be_pinpoint(line) {
            match self.push_pinpoint(line) {
                Ok(()) => Ok(()),
                Err(e) => self
                    .push_shapes(line)
                    .unwrap_or_else(|| Err(shapes::reason(line, &e, 0, &shapes::RECORD))),
            }
        } else {
            self.push_shapes(line).unwrap_or_else(|| {
                self.push_pinpoint(line)
                    .map_err(|e| shapes::reason(line, &e, 0, &shapes::RECORD))
            })
        };
        result.map_err(|reason| {
            self.skipped_lines += 1;
            SkippedLine { reason }
        })
    }

    /// `line` as Pinpoint records only.
    fn push_pinpoint(&mut self, line: &str) -> Result<(), serde_json::Error> {
        let mut stream = serde_json::Deserializer::from_str(line).into_iter::<Record<'_>>();
        let first = stream.next();
        let result = match (first, stream.next()) {
            (Some(Ok(record)), None) => {
                self.apply(record);
                Ok(())
            }
            (Some(Ok(first)), Some(second)) => {
                let mut records = vec![first];
                second
                    .and_then(|r| {
                        records.push(r);
                        stream.try_for_each(|r| r.map(|r| records.push(r)))
                    })
                    .map(|()| records.into_iter().for_each(|r| self.apply(r)))
            }
            (Some(Err(e)), _) => Err(e),
            (None, _) => Ok(()),
        };
        if result.is_ok() {
            if let Some(touches) = &mut self.touches {
                touches.push_line(line);
            }
            if let Some(lift) = &mut self.lift {
                lift.push_line(line);
            }
        }
        result
    }

    /// `line` as objects of any shape; `None` when it is not a sequence of JSON objects or
    /// holds Pinpoint records only (then the Pinpoint parse says what is wrong). SES event
    /// records are read only with touch reconstruction on, with its SES configuration.
    fn push_shapes(&mut self, line: &str) -> Option<Result<(), String>> {
        let spans = shapes::split(line)?;
        if spans.iter().all(|s| s.shape == Shape::Pinpoint) {
            return None;
        }
        let mut parsed = Vec::with_capacity(spans.len());
        for s in spans {
            let text = &line[s.start..s.end];
            let object = match shapes::parse_object(text, s.shape, s.start) {
                Ok(Object::Ses) => match self.touches.as_deref() {
                    Some(touches) => touches.ses_touch(text, s.shape, s.start).map(Parsed::Ses),
                    None => Ok(Parsed::Ses(None)),
                },
                Ok(Object::Event(p)) => Ok(Parsed::Event(p)),
                Err(reason) => Err(reason),
            };
            match object {
                Ok(p) => parsed.push(p),
                Err(reason) => return Some(Err(reason)),
            }
        }
        for p in parsed {
            match p {
                Parsed::Event(p) => {
                    if let Some(touches) = &mut self.touches {
                        touches.push_input(&p.touch);
                    }
                    if let Some(lift) = &mut self.lift {
                        lift.push_input(&p.touch);
                    }
                    self.apply(p.record);
                }
                Parsed::Ses(touch) => {
                    if let (Some(touches), Some(touch)) = (&mut self.touches, touch) {
                        touches.push_ses(touch);
                    }
                }
            }
        }
        Some(Ok(()))
    }

    /// Adds every line of `text` (a whole file or a chunk ending at a line boundary);
    /// `on_skip` gets the 1-based line number within `text` of each malformed line.
    /// Returns the number of lines in `text`, blank ones included.
    pub fn push_text(&mut self, text: &str, mut on_skip: impl FnMut(u64, SkippedLine)) -> u64 {
        let mut n = 0;
        for line in text.lines() {
            n += 1;
            if let Err(e) = self.push_line(line) {
                on_skip(n, e);
            }
        }
        n
    }

    /// Counts a line the caller could not even decode (e.g. invalid UTF-8).
    pub fn skip_line(&mut self) {
        self.lines += 1;
        self.skipped_lines += 1;
    }

    fn apply(&mut self, record: Record<'_>) {
        self.events += 1;
        let event_type = record.event_type.as_ref();
        if is_reserved_event_type(event_type) {
            return;
        }
        self.custom_events += 1;
        let Some(attributes) = record.attributes else {
            return;
        };
        let Some(label) = attributes.campaign.filter(|l| !l.is_empty()) else {
            return;
        };
        self.attributed_events += 1;
        let agg = match attributes.campaign_id.filter(|id| !id.is_empty()) {
            Some(id) => slot(&mut self.by_id, &id),
            None => slot(&mut self.by_label, &label),
        };
        agg.attributed_events += 1;
        bump(&mut agg.labels, &label);
        bump(&mut agg.events_by_type, event_type);
        let goals = &self.options.goals;
        if !goals.is_empty() && !goals.iter().any(|g| g == event_type) {
            return;
        }
        if let Some(client_id) = record.client.and_then(|c| c.client_id) {
            if !agg.converted.contains(client_id.as_ref()) {
                agg.converted.insert(client_id.into_owned());
            }
        }
        if let (Some(metric), Some(metrics)) = (&self.options.revenue_metric, &record.metrics) {
            if let Some(value) = metrics.get(metric) {
                agg.revenue += value;
            }
        }
    }

    /// Folds `other` (built with the same options) into `self`.
    pub fn merge(&mut self, other: Aggregator) {
        debug_assert_eq!(self.options, other.options, "merging different reports");
        merge_maps(&mut self.by_id, other.by_id);
        merge_maps(&mut self.by_label, other.by_label);
        self.lines += other.lines;
        self.skipped_lines += other.skipped_lines;
        self.events += other.events;
        self.custom_events += other.custom_events;
        self.attributed_events += other.attributed_events;
        match (&mut self.touches, other.touches) {
            (Some(mine), Some(theirs)) => mine.merge_box(theirs),
            (mine @ None, Some(theirs)) => *mine = Some(theirs),
            _ => {}
        }
        match (&mut self.lift, other.lift) {
            (Some(mine), Some(theirs)) => mine.merge(*theirs),
            (mine @ None, Some(theirs)) => *mine = Some(theirs),
            _ => {}
        }
    }

    /// The report, with `costs` matched to campaigns: by journey id first, else by label
    /// (see [`pricing::price`]; unmatched rows are listed in `unmatched_costs`).
    pub fn finish(self, costs: &[Cost]) -> Result<Report, ReportError> {
        self.finish_with_endpoints(costs, &HashMap::new())
    }

    /// [`finish`](Aggregator::finish), with an endpoint id → user id map that joins touch
    /// records carrying no user id (see [`TouchAggregator::finish`]).
    pub fn finish_with_endpoints(
        self,
        costs: &[Cost],
        endpoints: &HashMap<String, String>,
    ) -> Result<Report, ReportError> {
        let touch_attribution = self.touches.map(|t| t.finish_box(endpoints));
        let has_revenue = self.options.revenue_metric.is_some();
        let mut campaigns: Vec<CampaignReport> = Vec::new();
        let to_row = |id: Option<String>, agg: CampaignAgg| CampaignReport {
            campaign: agg.label(),
            campaign_id: id,
            attributed_events: agg.attributed_events,
            // Inserted, not `collect`ed: collecting sorts a vector (a third stable sort
            // of its own) and bulk-builds the tree, for one map per campaign.
            events_by_type: agg.events_by_type.into_iter().fold(
                BTreeMap::new(),
                |mut m, (k, v)| {
                    m.insert(k, v);
                    m
                },
            ),
            converted_users: agg.converted.len() as u64,
            revenue: has_revenue.then_some(round6(agg.revenue)),
            cost: None,
            roi: None,
        };
        campaigns.extend(
            self.by_id
                .into_iter()
                .map(|(id, agg)| to_row(Some(id), agg)),
        );
        campaigns.extend(self.by_label.into_values().map(|agg| to_row(None, agg)));

        let (campaigns, unmatched_costs) = pricing::price(campaigns, costs, has_revenue)?;
        let lift = self.lift.map(|l| l.finish(costs)).transpose()?;

        Ok(Report {
            campaigns,
            skipped_lines: self.skipped_lines,
            lines: self.lines,
            events: self.events,
            custom_events: self.custom_events,
            attributed_events: self.attributed_events,
            goals: self.options.goals,
            revenue_metric: self.options.revenue_metric,
            touch_attribution,
            lift,
            unmatched_costs,
        })
    }
}
