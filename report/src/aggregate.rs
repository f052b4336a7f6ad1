//! The mergeable partial aggregate behind the report.

use std::collections::hash_map::Entry as Slot;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{DefaultHasher, Hasher};

use super::identity::{FpMap, order_fingerprint, record_identity};
use super::model::{
    CampaignReport, Cost, MAX_REVENUE_LIMIT, Report, ReportError, ReportOptions, SkippedLine,
};
use super::pricing;
use super::record::{Reading, Record, reads, set_reading};
use super::shapes::{self, Object, Shape};
use super::touches::{TouchAggregator, TouchOptions, Touches};
use crate::lift::conversions::GoalEvent;
use crate::lift::exposures::Exposures;
use crate::lift::{LiftAggregator, LiftOptions};
use journey_attribution_core::event::is_reserved_event_type;
use journey_attribution_core::ses::SesConfig;
use std::sync::Arc;

/// One object of a line once read: an event (with its text, for its content identity), or
/// an SES record's journey touch (`None` when it is not one, or when touch reconstruction is
/// off and it is not even read).
enum Parsed<'a> {
    Event(shapes::Parsed<'a>, &'a str),
    Ses(Option<journey_attribution_core::touch::Touch>),
}

/// A 64-bit fingerprint of a name (campaign, label, event type, user), never 0 (0 is "none").
fn name_fingerprint(kind: u8, name: &str) -> u64 {
    let mut h = DefaultHasher::new();
    h.write_u8(kind);
    h.write(name.as_bytes());
    h.finish().max(1)
}

const GOAL: u8 = 1;
const REFUND: u8 = 1 << 1;
const REVENUE_SKIPPED: u8 = 1 << 2;
const BY_ID: u8 = b'i';
const BY_LABEL: u8 = b'l';
const LABEL: u8 = b'n';
const TYPE: u8 = b't';
const USER: u8 = b'u';

/// What one counted event (attributed, a goal or a refund) adds to the report, kept until
/// [`Aggregator::finish`] so that a repeat seen later, or by another thread, replaces nothing
/// and adds nothing: names as fingerprints (their text once per aggregator, in `names`),
/// revenue in millionths. Of two records of one identity, or two goal events of one order,
/// the one of smaller [`rank`] counts, whatever the input's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Counted {
    /// Epoch ms, `i64::MAX` when the record has no readable time (an order's earliest).
    time: i64,
    /// The campaign (journey id, else label); 0 when not attributed.
    group: u64,
    label: u64,
    event_type: u64,
    /// 0: no user id.
    user: u64,
    /// Millionths; -1: no revenue.
    revenue: i64,
    /// 0: no order id.
    order: u128,
    flags: u8,
}

/// Which of two records of one identity (or of one order) counts: the earliest, then by
/// campaign (journey id, else label), label, event type and revenue, compared as text,
/// byte for byte: the order the SQL's `ORDER BY` gives ([`super::sql`]).
fn rank<'n>(names: &'n FpMap<u64, Box<str>>, c: &Counted) -> (i64, &'n str, &'n str, &'n str, i64) {
    let name = |fp: u64| names.get(&fp).map_or("", |n| &**n);
    (
        c.time,
        name(c.group),
        name(c.label),
        name(c.event_type),
        c.revenue,
    )
}

/// Partial report over the lines pushed so far. Build one per thread and [`merge`] them:
/// the result does not depend on how the input was split.
///
/// Every event counts once: a record's identity is its event id (the record's own
/// `event_id`, else the `event_id` attribute the wrappers add), else a fingerprint of its
/// text (a redelivered record is byte for byte the same); goal events sharing an order id
/// count once, the earliest. Only counted events (attributed, goals, refunds) are kept, one
/// [`Counted`] each: memory grows with them, never with the other events.
///
/// [`merge`]: Aggregator::merge
#[derive(Debug, Clone)]
pub struct Aggregator {
    options: ReportOptions,
    /// Counted events by identity.
    counted: FpMap<u128, Counted>,
    /// The text of every name fingerprint seen (campaigns, labels, event types).
    names: FpMap<u64, Box<str>>,
    lines: u64,
    skipped_lines: u64,
    events: u64,
    custom_events: u64,
    /// Records dropped as repeats of an identity already counted.
    duplicates: u64,
    /// Touch reconstruction, when asked for: behind [`Touches`], so that a build that never
    /// asks for it (the npm report module) links none of it.
    touches: Option<Box<dyn Touches>>,
    /// Lift, when an exposure log is given.
    lift: Option<Box<LiftAggregator>>,
    /// What the readers read of each record: the order attribute, and what lift and touch
    /// reconstruction follow.
    reading: Arc<Reading>,
    /// What the attributed rows alone read: the order attribute.
    plain: Arc<Reading>,
}

#[derive(Debug, Default)]
struct CampaignAgg {
    labels: HashMap<u64, u64>,
    attributed_events: u64,
    events_by_type: HashMap<u64, u64>,
    converted: HashSet<u64>,
    /// Millionths: exact, so that no order of summing changes a figure, and no sum of
    /// bounded values overflows.
    revenue: i128,
}

impl Aggregator {
    pub fn new(options: ReportOptions) -> Self {
        Aggregator {
            counted: FpMap::default(),
            names: FpMap::default(),
            lines: 0,
            skipped_lines: 0,
            events: 0,
            custom_events: 0,
            duplicates: 0,
            reading: Arc::default(),
            plain: Arc::new(Reading {
                order: options.order_attribute.clone(),
                ..Reading::default()
            }),
            options,
            touches: None,
            lift: None,
        }
        .with_reading()
    }

    /// The readers' settings for what is asked: lift's user attribute, else touch
    /// reconstruction's; touch reconstruction's apart when it is another; `journey_id` with
    /// touch reconstruction.
    fn with_reading(mut self) -> Self {
        let lift = self
            .lift
            .as_deref()
            .map(|l| l.options.user_attribute.as_str());
        let touch = self
            .touches
            .as_deref()
            .map(|t| t.options().user_attribute.as_str());
        let user = lift.or(touch).unwrap_or_default();
        self.reading = Arc::new(Reading {
            user: user.to_owned(),
            touch_user: touch.filter(|t| *t != user).unwrap_or_default().to_owned(),
            journey: self.touches.is_some(),
            ..Reading::clone(&self.plain)
        });
        if self.reading == self.plain {
            self.reading = self.plain.clone();
        }
        self
    }

    /// Also measures lift over `exposures` (see [`crate::lift`]); the report then has a
    /// `lift` section, from the same reading of each record.
    pub fn with_lift(mut self, exposures: Arc<Exposures>, lift: LiftOptions) -> Self {
        self.lift = Some(Box::new(LiftAggregator::new(
            exposures,
            lift,
            self.options.revenue_metric.as_deref(),
        )));
        self.with_reading()
    }

    /// Like [`Aggregator::new`], also reconstructing journey touches (see
    /// [`TouchAggregator`]), from the same reading of each record; the report then has a
    /// `touch_attribution` section. Its memory grows with users × touches.
    pub fn with_touches(options: ReportOptions, touch: TouchOptions) -> Self {
        let touches = TouchAggregator::new(&options, touch);
        Aggregator {
            touches: Some(Box::new(touches)),
            ..Aggregator::new(options)
        }
        .with_reading()
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
        set_reading(&self.reading);
        let mut result = self.push_objects(line);
        if result.is_err() && !Arc::ptr_eq(&self.reading, &self.plain) {
            // Lift's and touch reconstruction's attributes are read as strings: a value that
            // is not valid text (a lone surrogate, a number out of range) must not cost the
            // attributed rows the line. Nothing of a failed line was counted, so it is read
            // again without them.
            set_reading(&self.plain);
            result = self.push_objects(line);
        }
        result.map_err(|reason| {
            self.skipped_lines += 1;
            SkippedLine { reason }
        })
    }

    /// Every object of `line` counted, or none and the reason.
    fn push_objects(&mut self, line: &str) -> Result<(), String> {
        // Pinpoint lines go straight to the zero-copy parse; the others, and Pinpoint lines
        // that fail it, are split into objects and parsed by shape.
        if shapes::may_be_pinpoint(line) {
            match self.push_pinpoint(line) {
                Ok(()) => Ok(()),
                Err(e) => self
                    .push_shapes(line)
                    .unwrap_or_else(|| Err(shapes::reason(line, &e, 0, &shapes::RECORD_SCHEMA))),
            }
        } else {
            self.push_shapes(line).unwrap_or_else(|| {
                self.push_pinpoint(line)
                    .map_err(|e| shapes::reason(line, &e, 0, &shapes::RECORD_SCHEMA))
            })
        }
    }

    /// `line` as Pinpoint records only. A record is moved as little as it can be: it is
    /// large (its borrowed strings), and copies of it show in the report's MB/s.
    fn push_pinpoint(&mut self, line: &str) -> Result<(), serde_json::Error> {
        let mut stream = serde_json::Deserializer::from_str(line).into_iter::<Record<'_>>();
        let Some(first) = stream.next() else {
            return Ok(());
        };
        let first = first?;
        let first_end = stream.byte_offset();
        let Some(second) = stream.next() else {
            self.apply(&first, line, false);
            return Ok(());
        };
        // Several records: each with its own text, for its content identity, and all of
        // them or none.
        let mut records = vec![(first, 0, first_end)];
        let mut next = Some(second);
        let mut start = first_end;
        while let Some(r) = next {
            let end = stream.byte_offset();
            records.push((r?, start, end));
            start = end;
            next = stream.next();
        }
        for (r, start, end) in &records {
            self.apply(r, &line[*start..*end], false);
        }
        Ok(())
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
            let mut object = shapes::parse_object(text, s.shape, s.start);
            if object.is_err() && !Arc::ptr_eq(&self.reading, &self.plain) && reads(&self.reading) {
                // As in `push_line`, but for this object alone: the line's other objects keep
                // what lift and touch reconstruction read of them.
                set_reading(&self.plain);
                object = shapes::parse_object(text, s.shape, s.start);
                set_reading(&self.reading);
            }
            let object = match object {
                Ok(Object::Ses) => match self.touches.as_deref() {
                    Some(touches) => touches.ses_touch(text, s.shape, s.start).map(Parsed::Ses),
                    None => Ok(Parsed::Ses(None)),
                },
                Ok(Object::Event(p)) => Ok(Parsed::Event(p, text)),
                Err(reason) => Err(reason),
            };
            match object {
                Ok(p) => parsed.push(p),
                Err(reason) => return Some(Err(reason)),
            }
        }
        for p in parsed {
            match p {
                Parsed::Event(p, text) => self.apply(&p.record, text, p.amplify),
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

    /// Counts one record (`text`: its JSON, for its content identity; `amplify`: Amplify
    /// stream data).
    fn apply(&mut self, record: &Record<'_>, text: &str, amplify: bool) {
        self.events += 1;
        let attributes = record.attributes.as_ref();
        if let Some(touches) = &mut self.touches {
            let user = match self.reading.touch_user.is_empty() {
                true => attributes.and_then(|a| a.user.as_deref()),
                false => attributes.and_then(|a| a.touch.as_ref()?.user.as_deref()),
            };
            touches.push_record(record, user, text, amplify);
        }
        let event_type = record.event_type.as_ref();
        if is_reserved_event_type(event_type) {
            return;
        }
        self.custom_events += 1;
        let nonempty = |s: &&str| !s.is_empty();
        let label = attributes
            .and_then(|a| a.campaign.as_deref())
            .filter(nonempty);
        let order = attributes
            .and_then(|a| a.order_id.as_deref())
            .filter(nonempty);
        let user_attribute = attributes.and_then(|a| a.user.as_deref());
        let options = &self.options;
        let refund = options.refund_event.as_deref() == Some(event_type);
        let goal =
            !refund && (options.goals.is_empty() || options.goals.iter().any(|g| g == event_type));
        // Only what a figure depends on is kept: an attributed event, or a goal or refund
        // with an order id (the earliest goal of an order may be the unattributed one); lift
        // reads every goal and refund of a user in the exposure log.
        let kept = label.is_some() || order.is_some() && (goal || refund);
        let lift = self.lift.as_deref_mut().filter(|l| {
            (goal || refund)
                && l.wants(
                    refund,
                    order.is_some(),
                    user_attribute,
                    record.event_timestamp,
                )
        });
        if !kept && lift.is_none() {
            return;
        }
        let mut flags = if goal { GOAL } else { 0 } | if refund { REFUND } else { 0 };
        let mut revenue = -1;
        if let (true, Some(metric), Some(metrics)) =
            (goal, &self.options.revenue_metric, &record.metrics)
            && let Some(value) = metrics.get(metric)
        {
            // Finite, in [0, max]: anything else is skipped, its event still counts.
            if (0.0..=self.options.max_revenue.min(MAX_REVENUE_LIMIT)).contains(&value) {
                revenue = (value * 1e6).round() as i64;
            } else {
                flags |= REVENUE_SKIPPED;
            }
        }
        let identity = record_identity(
            record.event_id.as_deref(),
            attributes.and_then(|a| a.event_id.as_deref()),
            text,
        );
        let order = order.map_or(0, order_fingerprint);
        if let Some(lift) = lift {
            lift.observe(GoalEvent {
                identity,
                user: user_attribute,
                time: record.event_timestamp,
                revenue: revenue.max(0),
                order,
                refund,
            });
        }
        if !kept {
            return;
        }
        let (group, label_fp) = match label {
            Some(label) => {
                let label_fp = self.intern(LABEL, label);
                let campaign_id = attributes.and_then(|a| a.campaign_id.as_deref());
                let group = match campaign_id.filter(nonempty) {
                    Some(id) => self.intern(BY_ID, id),
                    None => self.intern(BY_LABEL, label),
                };
                (group, label_fp)
            }
            None => (0, 0),
        };
        let event_type = self.intern(TYPE, event_type);
        let user = record
            .client
            .as_ref()
            .and_then(|c| c.client_id.as_deref())
            .map_or(0, |u| name_fingerprint(USER, u));
        let counted = Counted {
            time: record.event_timestamp.unwrap_or(i64::MAX),
            group,
            label: label_fp,
            event_type,
            user,
            revenue,
            order,
            flags,
        };
        self.count(identity, counted);
    }

    /// The fingerprint of `name`, its text kept once.
    fn intern(&mut self, kind: u8, name: &str) -> u64 {
        let fp = name_fingerprint(kind, name);
        if let Slot::Vacant(slot) = self.names.entry(fp) {
            slot.insert(name.into());
        }
        fp
    }

    /// Keeps one record per identity: of two, the smaller by [`Counted`]'s order, so that
    /// which one stays does not depend on the input's order.
    fn count(&mut self, identity: u128, counted: Counted) {
        match self.counted.entry(identity) {
            Slot::Vacant(slot) => {
                slot.insert(counted);
            }
            Slot::Occupied(mut slot) => {
                self.duplicates += 1;
                if rank(&self.names, &counted) < rank(&self.names, slot.get()) {
                    slot.insert(counted);
                }
            }
        }
    }

    /// Folds `other` (built with the same options) into `self`.
    pub fn merge(&mut self, mut other: Aggregator) {
        debug_assert_eq!(self.options, other.options, "merging different reports");
        // Folding the smaller map into the larger one: `count` is symmetric.
        if self.counted.len() < other.counted.len() {
            std::mem::swap(&mut self.counted, &mut other.counted);
        }
        // Names first: `count` ranks by them.
        for (fp, name) in other.names {
            self.names.entry(fp).or_insert(name);
        }
        for (identity, counted) in other.counted {
            self.count(identity, counted);
        }
        self.lines += other.lines;
        self.skipped_lines += other.skipped_lines;
        self.events += other.events;
        self.custom_events += other.custom_events;
        self.duplicates += other.duplicates;
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
        let max = self.options.max_revenue;
        if !(0.0..=MAX_REVENUE_LIMIT).contains(&max) {
            return Err(ReportError::InvalidMaxRevenue(max));
        }
        let touch_attribution = self.touches.map(|t| t.finish_box(endpoints));
        let has_revenue = self.options.revenue_metric.is_some();

        // The earliest goal event of each order (by `rank`, then identity): the others are
        // repeats of it.
        let mut orders: FpMap<u128, (&Counted, u128)> = FpMap::default();
        for (&identity, c) in &self.counted {
            if c.flags & GOAL != 0 && c.order != 0 {
                let best = orders.entry(c.order).or_insert((c, identity));
                if (rank(&self.names, c), identity) < (rank(&self.names, best.0), best.1) {
                    *best = (c, identity);
                }
            }
        }
        let orders: FpMap<u128, u128> = orders.into_iter().map(|(o, (_, id))| (o, id)).collect();
        let mut duplicates = self.duplicates;
        let mut skipped_revenue = 0;
        let mut by_group: FpMap<u64, CampaignAgg> = FpMap::default();
        // Revenue each order earned, and its campaign; refunded orders.
        let mut earned: FpMap<u128, (u64, i64)> = FpMap::default();
        let mut refunded: HashSet<u128> = HashSet::new();
        for (identity, c) in self.counted {
            let goal = c.flags & GOAL != 0;
            if goal && c.order != 0 && orders.get(&c.order) != Some(&identity) {
                duplicates += 1;
                continue;
            }
            if c.flags & REVENUE_SKIPPED != 0 {
                skipped_revenue += 1;
            }
            if c.flags & REFUND != 0 && c.order != 0 {
                refunded.insert(c.order);
            }
            if c.group == 0 {
                continue;
            }
            let agg = by_group.entry(c.group).or_default();
            agg.attributed_events += 1;
            *agg.labels.entry(c.label).or_default() += 1;
            *agg.events_by_type.entry(c.event_type).or_default() += 1;
            if goal {
                if c.user != 0 {
                    agg.converted.insert(c.user);
                }
                if c.revenue > 0 {
                    agg.revenue += i128::from(c.revenue);
                    if c.order != 0 {
                        earned.insert(c.order, (c.group, c.revenue));
                    }
                }
            }
        }
        let (mut refunds, mut unmatched_refunds) = (0, 0);
        for order in refunded {
            match earned.get(&order) {
                Some(&(group, revenue)) => {
                    if let Some(agg) = by_group.get_mut(&group) {
                        agg.revenue -= i128::from(revenue);
                    }
                    refunds += 1;
                }
                None => unmatched_refunds += 1,
            }
        }

        let names = &self.names;
        let name = |fp: u64| names.get(&fp).map_or_else(String::new, |n| n.to_string());
        let mut attributed_events = 0;
        let mut campaigns: Vec<CampaignReport> = Vec::with_capacity(by_group.len());
        for (group, agg) in by_group {
            attributed_events += agg.attributed_events;
            // The most frequent label; ties go to the smallest, so the choice is
            // deterministic.
            let label = agg
                .labels
                .iter()
                .map(|(&fp, &n)| (n, name(fp)))
                .max_by(|a, b| a.0.cmp(&b.0).then_with(|| b.1.cmp(&a.1)))
                .map(|(_, l)| l)
                .unwrap_or_default();
            let by_id =
                names.contains_key(&group) && name_fingerprint(BY_ID, &name(group)) == group;
            let mut events_by_type = BTreeMap::new();
            for (fp, n) in agg.events_by_type {
                events_by_type.insert(name(fp), n);
            }
            campaigns.push(CampaignReport {
                campaign: label,
                campaign_id: by_id.then(|| name(group)),
                attributed_events: agg.attributed_events,
                events_by_type,
                converted_users: agg.converted.len() as u64,
                // Millionths to a figure: exact below 2^53 millionths (9 billion).
                revenue: has_revenue.then_some(agg.revenue as f64 / 1e6),
                cost: None,
                roi: None,
            });
        }

        let (campaigns, unmatched_costs) = pricing::price(campaigns, costs, has_revenue)?;
        let lift = self.lift.map(|l| l.finish(costs)).transpose()?;

        Ok(Report {
            campaigns,
            skipped_lines: self.skipped_lines,
            lines: self.lines,
            repeated_inputs: 0,
            events: self.events,
            custom_events: self.custom_events,
            attributed_events,
            duplicates,
            refunds,
            unmatched_refunds,
            skipped_revenue,
            goals: self.options.goals,
            revenue_metric: self.options.revenue_metric,
            touch_attribution,
            lift,
            unmatched_costs,
        })
    }
}
