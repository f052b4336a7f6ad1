// The pure API, through the packed tarball as an app installs it (Node 20 ESM, no flags).
import test from 'node:test';
import assert from 'node:assert/strict';
import * as ja from 'journey-attribution';
import { validateEvent, ready as validateReady, isReady as validateIsReady } from 'journey-attribution/validate';

const NOW = 1_700_000_000_000;
const live = 'ja1|app-1|j-1|1699990000000|1702592001|Spring sale';
const expired = 'ja1|app-1|j-1|1600000000000|1600000001|Old sale';

test('ready is resolved and the functions are callable at once in Node', async () => {
  assert.equal(ja.isReady(), true);
  await ja.ready;
});

test('stampEvent returns a new stamped event and leaves the input untouched', () => {
  const input = { name: 'purchase', attributes: { sku: 'a-1' }, metrics: { revenue: 42 }, immediate: true };
  const before = structuredClone(input);
  const out = ja.stampEvent(input, live, NOW);
  assert.deepEqual(out, {
    name: 'purchase',
    attributes: { sku: 'a-1', campaign: 'Spring sale', campaign_id: 'j-1' },
    metrics: { revenue: 42 },
    immediate: true,
  });
  assert.deepEqual(input, before);
  assert.notEqual(out, input);
  assert.notEqual(out.attributes, input.attributes);
});

test('stampEventDetailed reports why an event is not stamped', () => {
  const e = { name: 'purchase' };
  assert.equal(ja.stampEventDetailed(e, live, NOW).status, 'stamped');
  assert.equal(ja.stampEventDetailed(e, expired, NOW).status, 'expired');
  assert.equal(ja.stampEventDetailed(e, undefined, NOW).status, 'no_attribution');
  assert.equal(ja.stampEventDetailed(e, null, NOW).status, 'no_attribution');
  assert.equal(ja.stampEventDetailed({ name: '_session.start' }, live, NOW).status, 'reserved_event');
  assert.equal(ja.stampEventDetailed({ name: 'x', attributes: { campaign: 'mine' } }, live, NOW).status, 'app_attributed');
  const unstamped = ja.stampEventDetailed(e, expired, NOW).event;
  assert.deepEqual(unstamped, { name: 'purchase' }, 'no attributes object is invented');
});

test('a bad token never throws: the event comes back unstamped as invalid_token', () => {
  for (const bad of ['ja1|broken', 'ja9|x', 42, {}, 'ja1|a|j|012|1|l']) {
    const { event, status } = ja.stampEventDetailed({ name: 'purchase', attributes: { a: 'b' } }, bad, NOW);
    assert.equal(status, 'invalid_token', String(bad));
    assert.deepEqual(event, { name: 'purchase', attributes: { a: 'b' } });
  }
  assert.deepEqual(ja.stampEvent({ name: 'p' }, 'ja1|broken', NOW), { name: 'p' });
});

test('a legacy bare label stamps campaign only and never expires', () => {
  const out = ja.stampEvent({ name: 'purchase' }, 'SpringJourney', 9e15);
  assert.deepEqual(out.attributes, { campaign: 'SpringJourney' });
});

test('nowMs defaults to the clock', () => {
  assert.equal(ja.stampEventDetailed({ name: 'p' }, expired).status, 'expired');
  const future = `ja1|app|j|1|${Math.floor(Date.now() / 1000) + 3600}|Live`;
  assert.equal(ja.stampEventDetailed({ name: 'p' }, future).status, 'stamped');
});

test('a malformed event is a readable Error', () => {
  assert.throws(() => ja.stampEvent(null, live, NOW), { name: 'Error', message: /invalid event: expected an object/ });
  assert.throws(() => ja.stampEvent({ attributes: {} }, live, NOW), { message: /name must be a string/ });
  assert.throws(() => ja.stampEvent({ name: 'p', attributes: { n: 5 } }, live, NOW), { message: /attributes\.n must be a string/ });
  assert.throws(() => ja.stampEvent({ name: 'p', metrics: { m: 'x' } }, live, NOW), { message: /metrics\.m must be a number/ });
  assert.throws(() => ja.stampEvent({ name: 'p' }, live, Number.NaN), { message: /nowMs/ });
});

test('decodeToken gives epoch milliseconds, null when blank, an Error when malformed', () => {
  assert.deepEqual(ja.decodeToken(live), {
    legacy: false,
    applicationId: 'app-1',
    journeyId: 'j-1',
    label: 'Spring sale',
    touchedAt: 1699990000000,
    expiresAt: 1702592001000,
  });
  assert.deepEqual(ja.decodeToken('Bare'), {
    legacy: true, applicationId: null, journeyId: null, label: 'Bare', touchedAt: null, expiresAt: null,
  });
  assert.equal(ja.decodeToken(''), null);
  assert.equal(ja.decodeToken('   '), null);
  assert.equal(ja.decodeToken(undefined), null);
  assert.throws(() => ja.decodeToken('ja2|x'), { name: 'Error', message: /version "ja2" is not supported/ });
  assert.throws(() => ja.decodeToken('ja1|a|b'), { message: /expected 6 fields/ });
});

test('encodeToken round-trips decodeToken and rejects what would not read back', () => {
  const label = '50% off | now ✓ 春';
  const token = ja.encodeToken({ applicationId: 'app', journeyId: 'j-2', label, touchedAt: 1700000000123, expiresAt: 1702592001000 });
  assert.equal(token, 'ja1|app|j-2|1700000000123|1702592001|50%25 off %7C now ✓ 春');
  assert.equal(ja.encodeToken(ja.decodeToken(token)), token);
  assert.equal(ja.encodeToken({ legacy: true, label: 'Bare' }), 'Bare');
  assert.throws(() => ja.encodeToken({ journeyId: 'j', label: 'l', touchedAt: 1, expiresAt: 1500 }), { message: /whole seconds/ });
  assert.throws(() => ja.encodeToken({ journeyId: '', label: 'l', touchedAt: 1, expiresAt: 1000 }), { message: /journey_id: empty/ });
  assert.throws(() => ja.encodeToken({ label: 'l', touchedAt: 1, expiresAt: 1000 }), { message: /journeyId is required/ });
  assert.throws(() => ja.encodeToken({ journeyId: 'j', label: 'l', touchedAt: 1.5, expiresAt: 1000 }), { message: /touchedAt must be an integer/ });
  assert.throws(() => ja.encodeToken({ legacy: true, label: 'ja7|x' }), { message: /invalid token input/ });
});

test('validateEvent (journey-attribution/validate) lists violations of Pinpoint limits', async () => {
  assert.equal(validateIsReady(), true, 'compiled synchronously in Node');
  await validateReady;
  assert.equal(ja.validateEvent, undefined, 'not in the stamping module');
  assert.deepEqual(validateEvent({ name: 'ok', attributes: { a: 'b' }, metrics: { m: 1 } }), []);
  const v = validateEvent({ name: 'x'.repeat(51), attributes: { long: 'y'.repeat(201) }, metrics: { bad: Infinity } });
  assert.deepEqual(v.map((x) => x.field), ['name', 'attributes.long', 'metrics.bad']);
  assert.match(v[0].reason, /51 characters, over the limit of 50/);
  const many = Object.fromEntries(Array.from({ length: 41 }, (_, i) => [`k${i}`, 'v']));
  assert.equal(validateEvent({ name: 'p', attributes: many })[0].field, 'attributes+metrics');
  assert.throws(() => validateEvent({ name: 'p', metrics: { m: 'x' } }), { message: 'journey-attribution: invalid event: metrics.m must be a number' });
  // The same shape checks, with the same messages, as stamping (wasm/js/event-shape.js).
  for (const [bad, detail] of [
    ['purchase', 'expected an object { name, attributes?, metrics? }'],
    [null, 'expected an object { name, attributes?, metrics? }'],
    [{ name: 3 }, 'name must be a string'],
    [{ name: 'p', attributes: [] }, 'attributes must be an object'],
    [{ name: 'p', attributes: { a: 1 } }, 'attributes.a must be a string'],
    [{ name: 'p', metrics: 'm' }, 'metrics must be an object'],
  ]) {
    const message = `journey-attribution: invalid event: ${detail}`;
    assert.throws(() => validateEvent(bad), { message }, JSON.stringify(bad));
    assert.throws(() => ja.stampEvent(bad, live, NOW), { message }, JSON.stringify(bad));
  }
  assert.deepEqual(validateEvent({ name: 'p', attributes: null, metrics: undefined }), []);
});

test('the browser entry exists and the package declares conditional exports', async () => {
  const { createRequire } = await import('node:module');
  const require = createRequire(import.meta.url);
  const pkg = require('journey-attribution/package.json');
  assert.equal(pkg.type, 'module');
  assert.equal(pkg.exports['.'].node, './index.node.js');
  assert.equal(pkg.exports['.'].default, './index.js');
  assert.equal(pkg.exports['.'].types, './index.d.ts');
});
