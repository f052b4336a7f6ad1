// The subpath `journey-attribution/report`, through the packed tarball as an app installs
// it (Node 20 ESM, no flags): known answers on a small handwritten event stream.
import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as report from 'journey-attribution/report';
import * as ja from 'journey-attribution';

const rec = (type, client, attributes, metrics) =>
  JSON.stringify({ event_type: type, client: { client_id: client }, ...(attributes && { attributes }), ...(metrics && { metrics }) });
const spring = { campaign: 'Spring sale', campaign_id: 'j-1' };
const STREAM = [
  rec('purchase', 'c1', spring, { revenue: 30 }),
  rec('purchase', 'c2', spring, { revenue: 20.5 }),
  rec('page_view', 'c1', spring),
  rec('_session.start', 'c3'),
  rec('purchase', 'c3', null, { revenue: 99 }), // not attributed
  '{"event_type":"purchase" this is not json',
  '',
  rec('sign_up', 'c4', { campaign: 'Summer' }), // a label-only stamp
].join('\n');

// The duplicate-laden export of tests/fixtures/report/duplicates.jsonl, built by the same
// recipe: the CLI's known answer (cli/tests/report_counting.rs) in the browser module.
const T0 = 1772359200000;
const buy = (user, stamp, revenue, extra, t = T0, arrival = t + 500) => ({
  event_type: 'purchase', event_timestamp: t, arrival_timestamp: arrival, client: { client_id: user },
  attributes: { plan: 'pro', ...(stamp && { campaign: stamp[0], campaign_id: stamp[1] }), ...extra },
  metrics: { revenue },
});
const S = ['Spring sale', 'j-spring'];
const W = ['Winter', 'j-winter'];
function duplicateLaden() {
  const first = [];
  const second = [];
  for (let i = 0; i < 10; i++) {
    const r = buy(`u${i}`, S, 100, i < 5 ? {} : { event_id: `e-${i}` }, T0 + i);
    first.push(r);
    if (i < 5) second.push(r);
    else if (i < 8) second.push({ ...r, arrival_timestamp: T0 + 9000 });
  }
  first.push(buy('buyer', ['Other', 'j-other'], 250, { event_id: 'reload-2', order_id: 'o-1' }, T0 + 60000));
  second.push(buy('buyer', S, 250, { event_id: 'reload-1', order_id: 'o-1' }, T0 + 1000));
  first.push(buy('w', W, 70, { event_id: 'w-1', order_id: 'o-2' }));
  const refund = { ...buy('buyer', W, 0, { event_id: 'r-1', order_id: 'o-1' }), event_type: 'refund' };
  second.push(refund, refund, buy('x', S, 1e308, { event_id: 'absurd' }));
  const flat = { name: 'purchase', campaign: 'Winter', campaign_id: 'j-winter', user_id: 'f1', event_id: 'amp-1', revenue: 30 };
  second.push(flat, flat);
  return [...first, ...second].map((r) => JSON.stringify(r)).join('\n');
}

test('every event once: the CLI\'s figures on a duplicate-laden export', () => {
  const r = report.buildReport(duplicateLaden(), { goals: ['purchase'], revenueMetric: 'revenue', refundEvent: 'refund' });
  assert.deepEqual(
    r.campaigns.map((c) => [c.campaign_id, c.attributed_events, c.converted_users, c.revenue]),
    [['j-spring', 12, 12, 1000], ['j-winter', 3, 2, 100]],
  );
  assert.deepEqual([r.events, r.attributed_events, r.duplicates, r.refunds, r.skipped_revenue], [26, 15, 11, 1, 1]);
  const byTxn = report.buildReport(duplicateLaden(), { goals: ['purchase'], revenueMetric: 'revenue', orderAttribute: 'txn', maxRevenue: 1e12 });
  assert.equal(byTxn.duplicates, 10, 'no `txn` attribute: the reload counts twice');
  assert.throws(() => report.buildReport('', { refund: 'x' }), /unknown option `refund`/);
});

test('ready is resolved and buildReport is callable at once in Node', async () => {
  assert.equal(report.isReady(), true);
  await report.ready;
});

test('the report: campaigns, conversions, revenue, cost -> roi, skipped lines', () => {
  const r = report.buildReport(STREAM, { goals: ['purchase'], revenueMetric: 'revenue' }, [{ campaign: 'Spring sale', cost: 20 }]);
  assert.deepEqual(r, {
    campaigns: [
      {
        campaign: 'Spring sale', campaign_id: 'j-1', attributed_events: 3,
        events_by_type: { page_view: 1, purchase: 2 }, converted_users: 2, revenue: 50.5, cost: 20, roi: 1.525,
      },
      {
        campaign: 'Summer', campaign_id: null, attributed_events: 1,
        events_by_type: { sign_up: 1 }, converted_users: 0, revenue: 0, cost: null, roi: null,
      },
    ],
    skipped_lines: 1, lines: 7, events: 6, custom_events: 5, attributed_events: 4,
    duplicates: 0, refunds: 0, unmatched_refunds: 0, skipped_revenue: 0,
    goals: ['purchase'], revenue_metric: 'revenue',
  });
});

test('defaults: no goals (every attributed custom event converts), no revenue metric, no costs', () => {
  const r = report.buildReport(STREAM);
  assert.deepEqual(r.goals, []);
  assert.equal(r.revenue_metric, null);
  const bySpring = r.campaigns.find((c) => c.campaign === 'Spring sale');
  assert.equal(bySpring.converted_users, 2);
  assert.equal(bySpring.revenue, null);
  assert.equal(bySpring.roi, null);
  assert.equal(r.campaigns.find((c) => c.campaign === 'Summer').converted_users, 1);
  assert.deepEqual(report.buildReport(''), { ...r, campaigns: [], skipped_lines: 0, lines: 0, events: 0, custom_events: 0, attributed_events: 0 });
});

test('a cost row matching no event still gets a row; a cost by journey id matches', () => {
  const r = report.buildReport(STREAM, { goals: ['purchase'], revenueMetric: 'revenue' },
    [{ campaign: 'j-1', cost: 101 }, { campaign: 'Autumn', cost: 5 }]);
  const spring = r.campaigns.find((c) => c.campaign === 'Spring sale');
  assert.equal(spring.cost, 101);
  assert.equal(spring.roi, (50.5 - 101) / 101);
  const autumn = r.campaigns.find((c) => c.campaign === 'Autumn');
  assert.equal(autumn.campaign_id, null);
  assert.equal(autumn.cost, 5);
  assert.equal(autumn.attributed_events, 0);
});

test('errors carry the core message: ambiguous and invalid costs, bad arguments', () => {
  const twoJourneys = `${STREAM}\n${rec('purchase', 'c5', { campaign: 'Spring sale', campaign_id: 'j-2' }, { revenue: 1 })}`;
  assert.throws(() => report.buildReport(twoJourneys, {}, [{ campaign: 'Spring sale', cost: 20 }]),
    (e) => e instanceof Error && /matches several campaigns \(Spring sale \(j-1\), Spring sale \(j-2\)\)/.test(e.message));
  // Each float as Rust's `{}` writes it (through core::report::decimal in this module).
  for (const [cost, shown] of [[-1, '-1'], [NaN, 'NaN'], [-0.5, '-0.5'], [-1e-7, '-0.0000001'],
    [-1e21, '-1000000000000000000000'], [-1234.5678, '-1234.5678']]) {
    assert.throws(() => report.buildReport(STREAM, {}, [{ campaign: 'Spring sale', cost }]),
      { message: `journey-attribution: cost for "Spring sale" is ${shown}: a cost must be a finite number >= 0` });
  }
  // A float in a message of serde_json's: written by zmij, never by core's float printing,
  // which this module does not carry (scripts/build-npm.sh).
  assert.throws(() => report.buildReport(STREAM, { goals: [1.5] }),
    /invalid report options or costs: invalid type: floating point `1\.5`, expected a string at line 1 column 2\d/);
  assert.throws(() => report.buildReport(STREAM, {}, [{ campaign: 'Spring sale' }]), /invalid report options or costs/);
  assert.throws(() => report.buildReport(STREAM, { goal: 'purchase' }), /unknown option `goal`/);
  assert.throws(() => report.buildReport(STREAM, { goals: 'purchase' }), /invalid report options or costs/);
  assert.throws(() => report.buildReport(42), /text must be a string/);
});

test('the report is a separate module: the stamping entry neither exports nor loads it', () => {
  assert.equal(ja.buildReport, undefined);
  const require = createRequire(import.meta.url);
  const pkg = JSON.parse(readFileSync(require.resolve('journey-attribution/package.json'), 'utf8'));
  assert.deepEqual(pkg.exports['./report'], { types: './report.d.ts', node: './report.node.js', default: './report.js' });
  const glue = readFileSync(new URL('journey_attribution_wasm.js', `file://${require.resolve('journey-attribution/package.json')}`), 'utf8');
  assert.doesNotMatch(glue, /buildReport/);
});
