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
    (e) => e instanceof Error && /matches the label of several journeys \(j-1, j-2\)/.test(e.message));
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
