// Headless Chromium (Debian's, through playwright-core; no browser download) against the
// Vite build of ./src and the package served as is (no bundler). Every AWS request is
// answered here: PutEvents is captured and asserted on.
// Usage: DIST=<vite outDir> PKG=<installed package dir> node --test run.test.mjs
import test, { after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join, extname, normalize } from 'node:path';
import { chromium } from 'playwright-core';

const DIST = process.env.DIST;
const PKG = process.env.PKG;
const BENCH_OUT = process.env.BENCH_OUT;
assert.ok(DIST && PKG, 'set DIST and PKG');
const APP_ID = '0123456789abcdef0123456789abcdef';
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.wasm': 'application/wasm', '.json': 'application/json' };
const NO_BUNDLER = `<!doctype html><meta charset="utf-8"><script type="module">
import { ready, isReady, stampEvent, decodeToken } from '/pkg/index.js';
const before = isReady();
await ready;
const t = 'ja1|app|j-9|1|' + (Math.floor(Date.now() / 1000) + 60) + '|No bundler';
window.result = { before, stamped: stampEvent({ name: 'p' }, t), decoded: decodeToken(t) };
</script>`;

// The wrapper before / without the WebAssembly module (its fetch is delayed or fails).
const EARLY = `<!doctype html><meta charset="utf-8"><script type="module">
import { wrapRecord } from '/pkg/index.js';
const recorded = [];
const errors = [];
const token = 'ja1|app|j-1|1|' + (Math.floor(Date.now() / 1000) + 60) + '|Early';
const wrapped = wrapRecord((e) => recorded.push(e), {
  getToken: () => token,
  timeoutMs: 300,
  onError: (reason, error) => errors.push({ reason, message: String(error?.message ?? error) }),
});
await wrapped({ name: 'early', attributes: { a: 'b' } });
window.result = { recorded, errors };
</script>`;

// A shop page without a bundler, wrapping a recording `record` (no AWS here): lands with or
// without a message link's parameters, records one event at once, then on demand.
const LANDING = `<!doctype html><meta charset="utf-8"><script type="module">
import { wrapRecord } from '/pkg/index.js';
const recorded = [];
const errors = [];
window.serverToken = undefined; // signed out
window.skewMs = 0;
const params = new URLSearchParams(location.search);
const wrapped = wrapRecord((e) => recorded.push(e), {
  getToken: () => window.serverToken,
  cacheTtlMs: 0, // read per event, as the ID token is
  stripParams: params.has('strip'),
  utmChannels: params.has('channels') ? params.get('channels').split(',') : undefined,
  clock: () => Date.now() + window.skewMs,
  timeoutMs: 2000,
  onError: (reason, error) => errors.push({ reason, message: String(error?.message ?? error) }),
});
window.recordNow = async (name) => {
  await wrapped({ name, attributes: { sku: 'sku-1' } });
  return { event: recorded.at(-1), errors: errors.splice(0) };
};
const first = await window.recordNow('purchase');
// From the navigation's start to the stamped event handed to record.
window.first = { ...first, ms: performance.now() };
</script>`;

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const isMap = (v) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * An event or stream data as recorded, less the `event_id` the wrappers add (checked to be
 * a UUID v4 on the way): `attributes.event_id` (Pinpoint, nested data; `Attributes` in a
 * PutEvents body) or `event_id` (flat data).
 */
function withoutEventId(event) {
  if (!isMap(event)) return event;
  if ('event_id' in event) {
    const { event_id: id, ...rest } = event;
    assert.match(id, UUID_V4);
    return rest;
  }
  for (const key of ['attributes', 'Attributes']) {
    if (isMap(event[key]) && 'event_id' in event[key]) {
      const { event_id: id, ...attributes } = event[key];
      assert.match(id, UUID_V4);
      return { ...event, [key]: attributes };
    }
  }
  return event;
}

let server;
let origin;
let browser;
let page;
const putEvents = []; // every event of every PutEvents body
// Every record of every Kinesis PutRecords / Firehose PutRecordBatch body, as AWS gets it:
// { service, stream, partitionKey?, data (the base64-decoded Data, parsed when JSON), raw }.
const streamRecords = [];
let getUser = 'fail'; // how the fake Cognito answers GetUser
let liveToken;

async function serve(req, res) {
  const url = new URL(req.url, 'http://x');
  const pages = { '/nobundle.html': NO_BUNDLER, '/early.html': EARLY, '/shop.html': LANDING };
  if (pages[url.pathname]) {
    res.writeHead(200, { 'content-type': 'text/html' }).end(pages[url.pathname]);
    return;
  }
  const [base, rel] = url.pathname.startsWith('/pkg/')
    ? [PKG, url.pathname.slice('/pkg/'.length)]
    : [DIST, url.pathname === '/' ? 'index.html' : url.pathname.slice(1)];
  const file = normalize(join(base, rel));
  if (!file.startsWith(normalize(base))) {
    res.writeHead(403).end();
    return;
  }
  try {
    const body = await readFile(file);
    res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body);
  } catch {
    res.writeHead(404).end();
  }
}

function cors(request) {
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
    'access-control-allow-methods': 'GET, POST, PUT, OPTIONS',
    'access-control-allow-headers': request.headers()['access-control-request-headers'] ?? '*',
    'access-control-expose-headers': 'x-amzn-requestid, x-amzn-errortype, x-amz-request-id',
    'x-amzn-requestid': 'req-1',
  };
}

// The fake AWS: Pinpoint (UpdateEndpoint, PutEvents) and Cognito GetUser.
async function aws(route) {
  const request = route.request();
  const url = new URL(request.url());
  if (url.origin === origin) return route.continue();
  const headers = cors(request);
  if (request.method() === 'OPTIONS') return route.fulfill({ status: 204, headers });
  const json = (status, body, extra = {}) =>
    route.fulfill({ status, headers: { ...headers, 'content-type': 'application/json', ...extra }, body: JSON.stringify(body) });
  if (url.hostname === `pinpoint.us-east-1.amazonaws.com`) {
    if (request.method() === 'PUT' && url.pathname.includes('/endpoints/')) {
      return json(202, { Message: 'Accepted', RequestID: 'req-1' });
    }
    if (request.method() === 'POST' && url.pathname === `/v1/apps/${APP_ID}/events`) {
      const body = JSON.parse(request.postData() ?? '{}');
      const results = {};
      for (const [endpointId, batch] of Object.entries(body.BatchItem ?? {})) {
        const items = {};
        for (const [eventId, ev] of Object.entries(batch.Events ?? {})) {
          putEvents.push(ev);
          items[eventId] = { StatusCode: 202, Message: 'Accepted' };
        }
        results[endpointId] = { EndpointItemResponse: { StatusCode: 202, Message: 'Accepted' }, EventsItemResponse: items };
      }
      return json(200, { Results: results });
    }
  }
  const target = request.headers()['x-amz-target'] ?? '';
  if (url.hostname === 'kinesis.us-east-1.amazonaws.com' && target === 'Kinesis_20131202.PutRecords') {
    const body = JSON.parse(request.postData() ?? '{}');
    for (const r of body.Records ?? []) streamRecords.push(decodeRecord('kinesis', body.StreamName, r));
    const records = (body.Records ?? []).map((_, i) => ({ SequenceNumber: String(i + 1), ShardId: 'shardId-000000000000' }));
    return json(200, { FailedRecordCount: 0, Records: records }, { 'content-type': 'application/x-amz-json-1.1' });
  }
  if (url.hostname === 'firehose.us-east-1.amazonaws.com' && target === 'Firehose_20150804.PutRecordBatch') {
    const body = JSON.parse(request.postData() ?? '{}');
    for (const r of body.Records ?? []) streamRecords.push(decodeRecord('firehose', body.DeliveryStreamName, r));
    const responses = (body.Records ?? []).map((_, i) => ({ RecordId: `rec-${i}` }));
    return json(200, { FailedPutCount: 0, Encrypted: false, RequestResponses: responses }, { 'content-type': 'application/x-amz-json-1.1' });
  }
  if (url.hostname === 'cognito-idp.us-east-1.amazonaws.com') {
    if (target.endsWith('.GetUser') && getUser === 'ok') {
      return json(200, { Username: 'user-1', UserAttributes: [{ Name: 'sub', Value: 'user-1' }, { Name: 'custom:campaign', Value: liveToken }] });
    }
    return json(400, { __type: 'TooManyRequestsException', message: 'Rate exceeded' }, { 'x-amzn-errortype': 'TooManyRequestsException' });
  }
  return route.abort('blockedbyclient');
}

function decodeRecord(service, stream, record) {
  const raw = Buffer.from(record.Data, 'base64');
  let data;
  try {
    data = JSON.parse(raw.toString('utf8'));
  } catch {
    data = undefined;
  }
  return { service, stream, partitionKey: record.PartitionKey, data, raw };
}

async function streamRecord(predicate, what, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const found = streamRecords.find(predicate);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no stream record ${what}; saw ${JSON.stringify(streamRecords.map((r) => [r.service, r.stream, r.data]))}`);
}

async function eventNamed(name, timeoutMs = 10_000) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const found = putEvents.find((e) => e.EventType === name);
    if (found) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`no PutEvents with EventType ${name}; saw ${putEvents.map((e) => e.EventType).join(', ')}`);
}

before(async () => {
  server = createServer((req, res) => {
    serve(req, res).catch(() => res.writeHead(500).end());
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${server.address().port}`;
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    timeout: 30_000,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext();
  await context.route('**/*', aws);
  page = await context.newPage();
  page.on('pageerror', (e) => console.error('pageerror:', e));
  await page.goto(`${origin}/`);
  await page.waitForFunction(() => window.appReady === true, null, { timeout: 15_000 });
});

after(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r()));
});

const future = () => Math.floor(Date.now() / 1000) + 3600;

test('the Vite build loads the .wasm and the pure API works once ready', async () => {
  const out = await page.evaluate(() => window.pureApi());
  assert.equal(out.after, true);
  assert.deepEqual(out.stamped, { name: 'p', attributes: { campaign: 'Spring sale', campaign_id: 'j-1' } });
});

test('Amplify v6 record: PutEvents carries campaign and campaign_id from the ID token', async () => {
  const token = `ja1|${APP_ID}|journey-42|1|${future()}|Spring sale`;
  const out = await page.evaluate((t) => window.scenario({ name: 'purchase_idtoken', claims: { 'custom:campaign': t } }), token);
  assert.deepEqual(out, { errors: [], statuses: ['stamped'] });
  const ev = await eventNamed('purchase_idtoken');
  assert.equal(ev.Attributes.campaign, 'Spring sale');
  assert.equal(ev.Attributes.campaign_id, 'journey-42');
  assert.equal(ev.Attributes.sku, 'sku-1');
  assert.equal(ev.Metrics.revenue, 42);
});

test('every event the wrappers record carries its own event_id: a Pinpoint attribute, in stream data where the report reads attributes', async () => {
  const token = `ja1|${APP_ID}|journey-ids|1|${future()}|Ids sale`;
  await page.evaluate((t) => window.scenario({ name: 'purchase_id_1', claims: { 'custom:campaign': t } }), token);
  await page.evaluate(() => window.scenario({ name: 'purchase_id_2', claims: {} }));
  const [one, two] = [await eventNamed('purchase_id_1'), await eventNamed('purchase_id_2')];
  assert.match(one.Attributes.event_id, UUID_V4);
  assert.match(two.Attributes.event_id, UUID_V4);
  assert.notEqual(one.Attributes.event_id, two.Attributes.event_id);
  assert.equal(one.Attributes.campaign_id, 'journey-ids');
  for (const provider of ['kinesis', 'firehose']) {
    const input = (data) => (provider === 'kinesis' ? { streamName: 'events', partitionKey: 'user-1', data } : { streamName: 'delivery', data });
    await page.evaluate((a) => window.streamScenario(a), { provider, claims: {}, input: input({ name: `ids_nested_${provider}`, attributes: { sku: 'a' } }) });
    await page.evaluate((a) => window.streamScenario(a), { provider, claims: {}, input: input({ name: `ids_flat_${provider}`, genre: 'jazz' }) });
    const nested = await streamRecord((r) => r.data?.name === `ids_nested_${provider}`, `ids_nested_${provider}`);
    const flat = await streamRecord((r) => r.data?.name === `ids_flat_${provider}`, `ids_flat_${provider}`);
    assert.match(nested.data.attributes.event_id, UUID_V4);
    assert.match(flat.data.event_id, UUID_V4);
    assert.equal(flat.data.attributes, undefined, 'flat data stays flat');
  }
});

test('an expired token still sends the event, unstamped', async () => {
  const out = await page.evaluate(() => window.scenario({ name: 'purchase_expired', claims: { 'custom:campaign': 'ja1|app|j-1|1|1600000000|Old sale' } }));
  assert.deepEqual(out, { errors: [], statuses: ['expired'] });
  const ev = await eventNamed('purchase_expired');
  assert.equal(ev.Attributes.sku, 'sku-1');
  assert.equal(ev.Attributes.campaign, undefined);
  assert.equal(ev.Attributes.campaign_id, undefined);
});

test('a Cognito failure (GetUser throttled) still sends the event, unstamped, and says why', async () => {
  getUser = 'fail';
  const out = await page.evaluate(() => window.scenario({ name: 'purchase_cognito_down', source: 'userAttributes' }));
  assert.equal(out.errors.length, 1);
  assert.equal(out.errors[0].reason, 'token_lookup_failed');
  assert.match(`${out.errors[0].name} ${out.errors[0].message}`, /TooManyRequests|Rate exceeded/);
  const ev = await eventNamed('purchase_cognito_down');
  assert.equal(ev.Attributes.campaign, undefined);
});

test('userAttributes source: stamped from Cognito GetUser', async () => {
  getUser = 'ok';
  liveToken = `ja1|${APP_ID}|journey-7|1|${future()}|From GetUser`;
  const out = await page.evaluate(() => window.scenario({ name: 'purchase_getuser', source: 'userAttributes' }));
  assert.deepEqual(out, { errors: [], statuses: ['stamped'] });
  const ev = await eventNamed('purchase_getuser');
  assert.equal(ev.Attributes.campaign, 'From GetUser');
  assert.equal(ev.Attributes.campaign_id, 'journey-7');
});

const live = (journey, label) => ({ 'custom:campaign': `ja1|${APP_ID}|${journey}|1|${future()}|${label}` });

for (const provider of ['kinesis', 'firehose']) {
  const input = (data) => (provider === 'kinesis' ? { streamName: 'events', partitionKey: 'user-1', data } : { streamName: 'delivery', data });
  const stream = provider === 'kinesis' ? 'events' : 'delivery';

  test(`Amplify ${provider} record: the ${provider === 'kinesis' ? 'PutRecords' : 'PutRecordBatch'} body carries the stamp, nested or flat`, async () => {
    const claims = live(`j-${provider}`, 'Stream sale');
    const nested = await page.evaluate((a) => window.streamScenario(a), { provider, claims, input: input({ name: `nested_${provider}`, attributes: { sku: 'sku-1' }, metrics: { revenue: 42 } }) });
    assert.deepEqual(nested, { errors: [], statuses: ['stamped'] });
    const n = await streamRecord((r) => r.data?.name === `nested_${provider}`, `nested_${provider}`);
    assert.equal(n.service, provider);
    assert.equal(n.stream, stream);
    if (provider === 'kinesis') assert.equal(n.partitionKey, 'user-1');
    assert.deepEqual(withoutEventId(n.data), { name: `nested_${provider}`, attributes: { sku: 'sku-1', campaign: 'Stream sale', campaign_id: `j-${provider}` }, metrics: { revenue: 42 } });

    // Amplify's migration guide's flat data: stamped at its top level.
    const flat = await page.evaluate((a) => window.streamScenario(a), { provider, claims, input: input({ name: `albumVisit_${provider}`, genre: 'jazz', minutesListened: 30 }) });
    assert.deepEqual(flat, { errors: [], statuses: ['stamped'] });
    const f = await streamRecord((r) => r.data?.name === `albumVisit_${provider}`, `albumVisit_${provider}`);
    assert.deepEqual(withoutEventId(f.data), { name: `albumVisit_${provider}`, genre: 'jazz', minutesListened: 30, campaign: 'Stream sale', campaign_id: `j-${provider}` });

    // Bytes go out exactly as the app gave them.
    const bytes = await page.evaluate((a) => window.streamScenario(a), { provider, claims, input: { ...input(undefined), bytes: `raw-${provider}` } });
    assert.deepEqual(bytes.errors.map((e) => e.reason), ['binary_data']);
    const b = await streamRecord((r) => r.raw.toString('utf8') === `raw-${provider}`, `raw-${provider}`);
    assert.equal(b.stream, stream);
  });
}

test('auto-tracked page views (Kinesis configureAutoTrack) carry the stamp while it is live, and lose it on sign-out', async () => {
  await page.evaluate((claims) => window.autoTrack({ claims }), live('j-auto', 'Auto sale'));
  await page.evaluate(() => window.navigate('/auto-1'));
  const first = await streamRecord((r) => r.stream === 'auto-events' && r.data?.attributes?.url?.endsWith('/auto-1'), 'pageView /auto-1');
  assert.equal(first.data.name, 'pageView');
  assert.equal(first.partitionKey, 'user-1');
  assert.deepEqual({ ...first.data.attributes, url: undefined }, { url: undefined, app: 'shop', campaign: 'Auto sale', campaign_id: 'j-auto' });

  // A token refresh with a new attribution: the next page view carries it.
  await page.evaluate((claims) => window.tokenChanged(claims), live('j-auto-2', 'Newer sale'));
  await page.evaluate(() => window.navigate('/auto-2'));
  const second = await streamRecord((r) => r.data?.attributes?.url?.endsWith('/auto-2'), 'pageView /auto-2');
  assert.equal(second.data.attributes.campaign, 'Newer sale');
  assert.equal(second.data.attributes.campaign_id, 'j-auto-2');

  // Signed out (no claim): page views go on, unstamped, with the app's own attributes.
  await page.evaluate(() => window.tokenChanged({}));
  await page.evaluate(() => window.navigate('/auto-3'));
  const third = await streamRecord((r) => r.data?.attributes?.url?.endsWith('/auto-3'), 'pageView /auto-3');
  assert.equal(third.data.attributes.app, 'shop');
  assert.equal(third.data.attributes.campaign, undefined);
  assert.equal(third.data.attributes.campaign_id, undefined);
});

test('landing from a message link: stamped from the first event, signed out, until the window ends; merged by newest', async () => {
  const shop = await browser.newPage();
  const land = async (query) => {
    await shop.goto(`${origin}/shop.html${query}`);
    await shop.waitForFunction(() => window.first !== undefined, null, { timeout: 15_000 });
    return shop.evaluate(() => window.first);
  };
  const now = (name) => shop.evaluate((n) => window.recordNow(n), name);
  const token = (journey, touchedAt) => `ja1|${APP_ID}|${journey}|${touchedAt}|${future()}|Server ${journey}`;
  try {
    const first = await land('?utm_source=email&utm_campaign=Spring%20sale&utm_id=j-1');
    assert.deepEqual(withoutEventId(first.event), { name: 'purchase', attributes: { sku: 'sku-1', campaign: 'Spring sale', campaign_id: 'j-1' } });
    assert.deepEqual(first.errors, []);
    const clickToStamp = first.ms;
    // A later page without parameters still stamps (the touch is kept in localStorage).
    const later = await land('');
    assert.equal(later.event.attributes.campaign_id, 'j-1');
    // An older server token (signed in) does not win; a newer one does.
    await shop.evaluate((t) => { window.serverToken = t; }, token('j-old', Date.now() - 60_000));
    assert.equal((await now('after_sign_in')).event.attributes.campaign_id, 'j-1');
    await shop.evaluate((t) => { window.serverToken = t; }, token('j-new', Date.now() + 60_000));
    assert.equal((await now('newer')).event.attributes.campaign_id, 'j-new');
    // Signed out again, past the 30-day window: not stamped.
    await shop.evaluate(() => { window.serverToken = undefined; window.skewMs = 31 * 86_400_000; });
    assert.deepEqual(withoutEventId((await now('expired')).event), { name: 'expired', attributes: { sku: 'sku-1' } });
    // utm_campaign alone: the id is utm:<label>, never a journey's.
    const alone = await land('?utm_medium=email&utm_campaign=Flash%20sale');
    assert.deepEqual(withoutEventId(alone.event).attributes, { sku: 'sku-1', campaign: 'Flash sale', campaign_id: 'utm:Flash sale' });
    // stripParams: the link's parameters leave the address bar, the others stay.
    const stripped = await land('?strip=1&utm_campaign=Clean&utm_id=j-clean&utm_source=email');
    assert.equal(stripped.event.attributes.campaign_id, 'j-clean');
    assert.equal(await shop.evaluate(() => location.search), '?strip=1&utm_source=email');
    // A malformed ja (no kept touch): reported through onError, recorded unstamped.
    await shop.evaluate(() => localStorage.clear());
    const bad = await land('?ja=2%7Capp%7Cj%7Clabel');
    assert.deepEqual(withoutEventId(bad.event), { name: 'purchase', attributes: { sku: 'sku-1' } });
    assert.deepEqual(bad.errors.map((e) => e.reason), ['invalid_link']);
    assert.match(bad.errors[0].message, /link parameter ja: version is not 1/);
    console.log(`landing: click to first stamped event ${clickToStamp.toFixed(1)} ms (navigation start to record, no network call for the stamp)`);
    if (BENCH_OUT) {
      const { readFile: read } = await import('node:fs/promises');
      const prior = JSON.parse(await read(BENCH_OUT, 'utf8').catch(() => '{}'));
      await writeFile(BENCH_OUT, JSON.stringify({ ...prior, clickToFirstStampMs: clickToStamp }));
    }
  } finally {
    await shop.close();
  }
});

test('landing: only links from the app\'s own channels count; an ad never replaces the attribution', async () => {
  const shop = await browser.newPage();
  const land = async (query) => {
    await shop.goto(`${origin}/shop.html${query}`);
    await shop.waitForFunction(() => window.first !== undefined, null, { timeout: 15_000 });
    return shop.evaluate(() => window.first);
  };
  try {
    await shop.goto(`${origin}/shop.html`);
    await shop.evaluate(() => localStorage.clear());
    const email = await land('?utm_medium=email&utm_campaign=Journey&utm_id=j-journey');
    assert.equal(email.event.attributes.campaign_id, 'j-journey');
    // An ad's link (utm_medium=cpc), utm_id and all, is no touch: the journey's still stamps.
    const ad = await land('?utm_medium=cpc&utm_source=google&utm_campaign=Ad&utm_id=j-ad');
    assert.equal(ad.event.attributes.campaign_id, 'j-journey');
    assert.deepEqual(ad.errors, []);
    // The app's own channels (the wrappers' utmChannels) count.
    const own = await land('?channels=newsletter,in-app&utm_medium=newsletter&utm_campaign=News&utm_id=j-news');
    assert.equal(own.event.attributes.campaign_id, 'j-news');
  } finally {
    await shop.close();
  }
});

test('the package works in a browser without a bundler (plain ESM import)', async () => {
  const plain = await browser.newPage();
  try {
    await plain.goto(`${origin}/nobundle.html`);
    await plain.waitForFunction(() => window.result !== undefined, null, { timeout: 15_000 });
    const result = await plain.evaluate(() => window.result);
    assert.equal(result.before, false, 'loading is asynchronous in a browser');
    assert.deepEqual(result.stamped.attributes, { campaign: 'No bundler', campaign_id: 'j-9' });
    assert.equal(result.decoded.journeyId, 'j-9');
  } finally {
    await plain.close();
  }
});

async function early(wasmRoute) {
  const p = await browser.newPage();
  try {
    await p.route('**/*.wasm', wasmRoute);
    await p.goto(`${origin}/early.html`);
    await p.waitForFunction(() => window.result !== undefined, null, { timeout: 15_000 });
    return await p.evaluate(() => window.result);
  } finally {
    await p.close();
  }
}

test('WebAssembly still loading: the event is recorded unstamped within timeoutMs', async () => {
  const out = await early(async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue().catch(() => {});
  });
  assert.deepEqual(out.recorded, [{ name: 'early', attributes: { a: 'b' } }]);
  assert.deepEqual(out.errors.map((e) => e.reason), ['wasm_not_ready']);
});

test('WebAssembly failing to load: the event is recorded unstamped, onError says why', async () => {
  const out = await early((route) => route.fulfill({ status: 404, body: 'not found' }));
  assert.deepEqual(out.recorded, [{ name: 'early', attributes: { a: 'b' } }]);
  assert.deepEqual(out.errors.map((e) => e.reason), ['wasm_unavailable']);
  assert.match(out.errors[0].message, /failed to load/);
});

test('benchmark: Amplify record plain vs wrapped (ID token read per event, network stubbed)', async () => {
  const out = await page.evaluate(() => window.bench(2000, 7));
  console.log(`record: plain ${out.plainNs.toFixed(0)} ns/call, wrapped ${out.wrappedNs.toFixed(0)} ns/call, ratio ${(out.wrappedNs / out.plainNs).toFixed(2)}`);
  if (BENCH_OUT) {
    const prior = JSON.parse(await readFile(BENCH_OUT, 'utf8').catch(() => '{}'));
    await writeFile(BENCH_OUT, JSON.stringify({ ...prior, ...out }));
  }
  assert.ok(out.plainNs > 0 && out.wrappedNs > 0);
});
