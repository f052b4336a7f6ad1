// The record wrappers with fake Amplify functions: stamping, caching, Hub refresh, and
// every failure recorded unstamped with onError told why.
import test from 'node:test';
import assert from 'node:assert/strict';
import { wrapRecord, wrapRecordV5, wrapKinesisRecord, wrapFirehoseRecord, createTokenSource, autoTrackAttributed, stampEvent } from 'journey-attribution';

const future = () => Math.floor(Date.now() / 1000) + 3600;
const liveToken = (label = 'Spring sale', id = 'j-1') => `ja1|app|${id}|1|${future()}|${label}`;
const expiredToken = 'ja1|app|j-1|1|1600000000|Old sale';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const isMap = (v) => typeof v === 'object' && v !== null && !Array.isArray(v) && !ArrayBuffer.isView(v);

/**
 * What the wrappers recorded, less the `event_id` they add to every custom event (checked to
 * be a UUID v4 on the way): the event of a Pinpoint input, the `data` of a stream input,
 * nested (`attributes.event_id`) or flat (`event_id`). The very input when it has none, so
 * the assertions on what else was recorded read as they did before event ids.
 */
function withoutEventId(input) {
  if (!isMap(input)) return input;
  if (isMap(input.data)) {
    const data = withoutEventId(input.data);
    return data === input.data ? input : { ...input, data };
  }
  if ('event_id' in input) {
    const { event_id: id, ...rest } = input;
    assert.match(id, UUID_V4);
    return rest;
  }
  if (isMap(input.attributes) && 'event_id' in input.attributes) {
    const { event_id: id, ...attributes } = input.attributes;
    assert.match(id, UUID_V4);
    const { attributes: _, ...rest } = input;
    return Object.keys(attributes).length ? { ...rest, attributes } : rest;
  }
  return input;
}

function fakeRecord() {
  const calls = [];
  const record = (input, ...rest) => {
    calls.push([withoutEventId(input), ...rest]);
  };
  return { record, calls };
}

function session(token) {
  let count = 0;
  const fetchAuthSession = async () => {
    count += 1;
    return token === undefined ? { tokens: undefined } : { tokens: { idToken: { payload: { 'custom:campaign': token } } } };
  };
  return { fetchAuthSession, count: () => count };
}

function fakeHub() {
  const listeners = [];
  return {
    listen(channel, cb) {
      listeners.push({ channel, cb });
      return () => listeners.splice(listeners.findIndex((l) => l.cb === cb), 1);
    },
    dispatch(channel, event) {
      for (const l of listeners.filter((x) => x.channel === channel)) l.cb({ channel, payload: { event } });
    },
    size: () => listeners.length,
  };
}

function errors() {
  const seen = [];
  return { onError: (reason, error) => seen.push({ reason, error }), seen };
}

test('v6: stamps from the ID token claim and keeps extra fields', async () => {
  const { record, calls } = fakeRecord();
  const s = session(liveToken());
  const e = errors();
  const wrapped = wrapRecord(record, { fetchAuthSession: s.fetchAuthSession, onError: e.onError });
  const input = { name: 'purchase', metrics: { revenue: 3 } };
  await wrapped(input);
  assert.deepEqual(calls, [[{ name: 'purchase', metrics: { revenue: 3 }, attributes: { campaign: 'Spring sale', campaign_id: 'j-1' } }]]);
  assert.deepEqual(input, { name: 'purchase', metrics: { revenue: 3 } });
  assert.deepEqual(e.seen, []);
});

test('v6: the ID token claim is read for every event, so a change of user shows at once', async () => {
  const { record, calls } = fakeRecord();
  // Another tab signs out and in as someone else between two events of this tab: no Hub
  // event reaches this one.
  let token = liveToken('First', 'j-1');
  let reads = 0;
  const wrapped = wrapRecord(record, {
    fetchAuthSession: async () => {
      reads += 1;
      return { tokens: { idToken: { payload: { sub: token ? 'u' : undefined, 'custom:campaign': token } } } };
    },
  });
  await wrapped({ name: 'a' });
  token = liveToken('Second', 'j-2');
  await wrapped({ name: 'b' });
  token = undefined;
  await wrapped({ name: 'c' });
  assert.deepEqual(calls.map(([ev]) => ev.attributes?.campaign), ['First', 'Second', undefined]);
  assert.equal(reads, 3, 'a local read per event');
});

test('v6: concurrent events share one lookup and keep their order', async () => {
  const { record, calls } = fakeRecord();
  const s = session(liveToken());
  const wrapped = wrapRecord(record, { fetchAuthSession: s.fetchAuthSession });
  await Promise.all(['a', 'b', 'c'].map((name) => wrapped({ name })));
  assert.deepEqual(calls.map(([ev]) => ev.name), ['a', 'b', 'c']);
  assert.equal(s.count(), 1);
});

test('Hub auth events drop the cached token (sign-out, sign-in as someone else)', async () => {
  const { record, calls } = fakeRecord();
  const hub = fakeHub();
  let token = liveToken('First');
  const wrapped = wrapRecord(record, {
    source: 'userAttributes',
    fetchUserAttributes: async () => ({ 'custom:campaign': token }),
    Hub: hub,
  });
  await wrapped({ name: 'a' });
  token = liveToken('Second', 'j-2');
  await wrapped({ name: 'b' });
  assert.equal(calls[1][0].attributes.campaign, 'First', 'still cached');
  hub.dispatch('auth', 'tokenRefresh');
  await wrapped({ name: 'c' });
  assert.deepEqual(calls[2][0].attributes, { campaign: 'Second', campaign_id: 'j-2' });
  token = undefined;
  hub.dispatch('auth', 'signedOut');
  await wrapped({ name: 'd' });
  assert.equal(calls[3][0].attributes, undefined);
  hub.dispatch('analytics', 'signedIn');
  assert.equal(hub.size(), 1);
  wrapped.dispose();
  assert.equal(hub.size(), 0);
});

test('userAttributes source: GetUser is cached for cacheTtlMs', async () => {
  const { record, calls } = fakeRecord();
  let gets = 0;
  let now = 1_000;
  const wrapped = wrapRecord(record, {
    source: 'userAttributes',
    fetchUserAttributes: async () => {
      gets += 1;
      return { email: 'a@b.c', 'custom:campaign': liveToken() };
    },
    cacheTtlMs: 10_000,
    clock: () => now,
  });
  // `clock` also drives stamping: keep it before the token's expiry.
  now = Date.now();
  for (let i = 0; i < 5; i += 1) await wrapped({ name: `e${i}` });
  assert.equal(gets, 1);
  now += 10_001;
  await wrapped({ name: 'later' });
  assert.equal(gets, 2);
  assert.equal(calls.length, 6);
  assert.ok(calls.every(([ev]) => ev.attributes.campaign === 'Spring sale'));
});

test('userAttributes source: the cache belongs to the signed-in user (the ID token sub)', async () => {
  const { record, calls } = fakeRecord();
  let user = 'alice';
  let gets = 0;
  const campaigns = { alice: liveToken('Alice sale', 'j-a'), bob: liveToken('Bob sale', 'j-b') };
  const wrapped = wrapRecord(record, {
    source: 'userAttributes',
    fetchAuthSession: async () => ({ tokens: { idToken: { payload: { sub: `sub-${user}` } } } }),
    fetchUserAttributes: async () => {
      gets += 1;
      return { sub: `sub-${user}`, 'custom:campaign': campaigns[user] };
    },
    cacheTtlMs: 60_000,
  });
  await wrapped({ name: 'a1' });
  await wrapped({ name: 'a2' });
  user = 'bob'; // signed in as Bob in another tab: no Hub event here
  await wrapped({ name: 'b1' });
  assert.deepEqual(calls.map(([ev]) => ev.attributes.campaign), ['Alice sale', 'Alice sale', 'Bob sale']);
  assert.equal(gets, 2, 'cached for the same user, looked up again for another');
});

test('a change of Amplify\'s stored tokens in another tab drops the cache (storage event)', async () => {
  // Node has no window: a stand-in for its `storage` events, as a browser delivers them.
  const events = new EventTarget();
  globalThis.addEventListener = events.addEventListener.bind(events);
  globalThis.removeEventListener = events.removeEventListener.bind(events);
  try {
    const { record, calls } = fakeRecord();
    let token = liveToken('First');
    const wrapped = wrapRecord(record, {
      source: 'userAttributes',
      fetchUserAttributes: async () => ({ 'custom:campaign': token }),
      cacheTtlMs: 60_000,
    });
    await wrapped({ name: 'a' });
    token = liveToken('Second', 'j-2');
    const storage = (key) => Object.assign(new Event('storage'), { key });
    events.dispatchEvent(storage('unrelated-key'));
    await wrapped({ name: 'b' });
    events.dispatchEvent(storage('CognitoIdentityServiceProvider.client.LastAuthUser'));
    await wrapped({ name: 'c' });
    assert.deepEqual(calls.map(([ev]) => ev.attributes.campaign), ['First', 'First', 'Second']);
    wrapped.dispose();
  } finally {
    delete globalThis.addEventListener;
    delete globalThis.removeEventListener;
  }
});

test('no session: recorded unstamped, no error (the user is simply not attributed)', async () => {
  const { record, calls } = fakeRecord();
  const e = errors();
  const statuses = [];
  const wrapped = wrapRecord(record, { fetchAuthSession: session(undefined).fetchAuthSession, onError: e.onError, onStamp: (s) => statuses.push(s) });
  await wrapped({ name: 'p' });
  assert.deepEqual(calls, [[{ name: 'p' }]]);
  assert.deepEqual(e.seen, []);
  assert.deepEqual(statuses, ['no_attribution']);
});

test('expired token: recorded unstamped', async () => {
  const { record, calls } = fakeRecord();
  const statuses = [];
  const wrapped = wrapRecord(record, { fetchAuthSession: session(expiredToken).fetchAuthSession, onStamp: (s) => statuses.push(s) });
  await wrapped({ name: 'p' });
  assert.deepEqual(calls, [[{ name: 'p' }]]);
  assert.deepEqual(statuses, ['expired']);
});

test('Cognito failure: recorded unstamped, onError told, failure cached briefly', async () => {
  const { record, calls } = fakeRecord();
  const e = errors();
  let attempts = 0;
  const wrapped = wrapRecord(record, {
    source: 'userAttributes',
    fetchUserAttributes: async () => {
      attempts += 1;
      throw Object.assign(new Error('Rate exceeded'), { name: 'TooManyRequestsException' });
    },
    onError: e.onError,
  });
  await wrapped({ name: 'p' });
  await wrapped({ name: 'q' });
  assert.deepEqual(calls.map(([ev]) => ev), [{ name: 'p' }, { name: 'q' }]);
  assert.deepEqual(e.seen.map((x) => x.reason), ['token_lookup_failed', 'token_lookup_failed']);
  assert.equal(e.seen[0].error.name, 'TooManyRequestsException');
  assert.equal(attempts, 1, 'the failure is not retried on every event');
});

test('a bad token: recorded unstamped with invalid_token', async () => {
  const { record, calls } = fakeRecord();
  const e = errors();
  const wrapped = wrapRecord(record, { getToken: () => 'ja1|broken', onError: e.onError });
  await wrapped({ name: 'p', attributes: { a: 'b' } });
  assert.deepEqual(calls, [[{ name: 'p', attributes: { a: 'b' } }]]);
  assert.deepEqual(e.seen.map((x) => x.reason), ['invalid_token']);
});

test('a slow token lookup is bounded by timeoutMs', async () => {
  const { record, calls } = fakeRecord();
  const e = errors();
  const wrapped = wrapRecord(record, { getToken: () => new Promise(() => {}), timeoutMs: 50, onError: e.onError });
  const started = performance.now();
  await wrapped({ name: 'p' });
  const took = performance.now() - started;
  assert.deepEqual(calls, [[{ name: 'p' }]]);
  assert.deepEqual(e.seen.map((x) => x.reason), ['token_timeout']);
  assert.ok(took >= 45 && took < 500, `took ${took} ms`);
});

test('a throwing record, a throwing hook or a bad event never reach the app', async () => {
  const e = errors();
  const wrapped = wrapRecord(() => { throw new Error('Analytics not configured'); }, { getToken: () => liveToken(), onError: e.onError });
  await assert.doesNotReject(wrapped({ name: 'p' }));
  assert.deepEqual(e.seen.map((x) => x.reason), ['record_failed']);

  const { record, calls } = fakeRecord();
  const w2 = wrapRecord(record, { getToken: () => 'ja1|broken', onError: () => { throw new Error('hook'); } });
  await assert.doesNotReject(w2({ name: 'p' }));
  assert.equal(calls.length, 1);

  const e3 = errors();
  const w3 = wrapRecord(record, { getToken: () => liveToken(), onError: e3.onError });
  await w3({ attributes: { n: 1 } });
  assert.deepEqual(calls[1], [{ attributes: { n: 1 } }], 'passed through as given');
  assert.equal(e3.seen[0].reason, 'invalid_event');
  assert.match(e3.seen[0].error.message, /name must be a string/);
});

test('v5: Analytics.record(name | event, provider) with Auth.currentSession', async () => {
  const calls = [];
  const Analytics = { record(event, provider) { calls.push([withoutEventId(event), provider]); return Promise.resolve({ ok: true }); } };
  const Auth = { currentSession: async () => ({ getIdToken: () => ({ payload: { 'custom:campaign': liveToken() } }) }) };
  const record = wrapRecordV5(Analytics.record.bind(Analytics), { Auth });
  assert.deepEqual(await record('signup'), { ok: true });
  await record({ name: 'purchase', immediate: true }, 'AWSPinpoint');
  await record({ streamName: 's', partitionKey: 'p', data: { name: 'view' } }, 'AWSKinesis');
  await record({ name: '_session.start' });
  assert.deepEqual(calls, [
    [{ name: 'signup', attributes: { campaign: 'Spring sale', campaign_id: 'j-1' } }, undefined],
    [{ name: 'purchase', immediate: true, attributes: { campaign: 'Spring sale', campaign_id: 'j-1' } }, 'AWSPinpoint'],
    [{ streamName: 's', partitionKey: 'p', data: { name: 'view', attributes: { campaign: 'Spring sale', campaign_id: 'j-1' } } }, 'AWSKinesis'],
    [{ name: '_session.start' }, undefined],
  ]);
});

test('v5: userAttributes via Auth.currentUserInfo', async () => {
  const calls = [];
  const Auth = { currentUserInfo: async () => ({ attributes: { 'custom:campaign': 'Bare' } }) };
  const record = wrapRecordV5((ev) => calls.push(withoutEventId(ev)), { Auth, source: 'userAttributes' });
  await record('x');
  assert.deepEqual(calls, [{ name: 'x', attributes: { campaign: 'Bare' } }]);
});

test('Kinesis and Firehose: stamps inside data, keeps stream fields', async () => {
  for (const wrap of [wrapKinesisRecord, wrapFirehoseRecord]) {
    const { record, calls } = fakeRecord();
    const e = errors();
    const wrapped = wrap(record, { getToken: () => liveToken(), onError: e.onError });
    await wrapped({ streamName: 'events', partitionKey: 'u-1', data: { name: 'purchase', metrics: { revenue: 1 } } });
    const bytes = { streamName: 'events', partitionKey: 'u-1', data: new Uint8Array([1, 2]) };
    await wrapped(bytes);
    assert.deepEqual(calls[0], [{ streamName: 'events', partitionKey: 'u-1', data: { name: 'purchase', metrics: { revenue: 1 }, attributes: { campaign: 'Spring sale', campaign_id: 'j-1' } } }]);
    assert.equal(calls[1][0], bytes, 'bytes pass through untouched, the very input');
    // Bytes (allowed by Amplify) have their own reason, not a malformed event's.
    assert.deepEqual(e.seen.map((x) => x.reason), ['binary_data']);
  }
});

test('Kinesis and Firehose: flat data (Amplify migration guide) is stamped at its top level', async () => {
  for (const wrap of [wrapKinesisRecord, wrapFirehoseRecord]) {
    const { record, calls } = fakeRecord();
    const e = errors();
    const statuses = [];
    const wrapped = wrap(record, { getToken: () => liveToken(), onError: e.onError, onStamp: (s) => statuses.push(s) });
    const flat = { name: 'albumVisit', genre: 'jazz', minutesListened: 30, favourite: true };
    await wrapped({ streamName: 'events', partitionKey: 'u-1', data: flat });
    assert.deepEqual(calls[0][0].data, { ...flat, campaign: 'Spring sale', campaign_id: 'j-1' });
    assert.equal(calls[0][0].data.attributes, undefined, 'no attributes map is invented for flat data');
    assert.deepEqual(flat, { name: 'albumVisit', genre: 'jazz', minutesListened: 30, favourite: true }, 'input untouched');
    // The app's own campaign stands, flat too.
    await wrapped({ streamName: 'events', partitionKey: 'u-1', data: { name: 'albumVisit', campaign: 'mine' } });
    assert.deepEqual(calls[1][0].data, { name: 'albumVisit', campaign: 'mine' });
    // A bare { name } stays nested, as before.
    await wrapped({ streamName: 'events', partitionKey: 'u-1', data: { name: 'view' } });
    assert.deepEqual(calls[2][0].data, { name: 'view', attributes: { campaign: 'Spring sale', campaign_id: 'j-1' } });
    // Flat data with no string name is an invalid event, recorded as it is.
    const nameless = { streamName: 'events', partitionKey: 'u-1', data: { genre: 'jazz' } };
    await wrapped(nameless);
    assert.equal(calls[3][0], nameless);
    assert.deepEqual(statuses, ['stamped', 'app_attributed', 'stamped']);
    assert.deepEqual(e.seen.map((x) => x.reason), ['invalid_event']);
    assert.match(String(e.seen[0].error?.message), /name must be a string/);
  }
});

test('dataShape forces a shape; a bad one fails at setup', async () => {
  const { record, calls } = fakeRecord();
  const flat = wrapKinesisRecord(record, { getToken: () => liveToken(), dataShape: 'flat' });
  await flat({ streamName: 's', partitionKey: 'p', data: { name: 'view' } });
  assert.deepEqual(calls[0][0].data, { name: 'view', campaign: 'Spring sale', campaign_id: 'j-1' });
  const nested = wrapFirehoseRecord(record, { getToken: () => liveToken(), dataShape: 'nested' });
  await nested({ streamName: 's', data: { name: 'albumVisit', genre: 'jazz' } });
  assert.deepEqual(calls[1][0].data, { name: 'albumVisit', genre: 'jazz', attributes: { campaign: 'Spring sale', campaign_id: 'j-1' } });
  // Flat: Pinpoint's 40-key limit counts string and number fields, as nested counts attributes + metrics.
  const wide = Object.fromEntries(Array.from({ length: 39 }, (_, i) => [`f${i}`, i]));
  const statuses = [];
  const counted = wrapKinesisRecord(record, { getToken: () => liveToken(), onStamp: (s) => statuses.push(s) });
  await counted({ streamName: 's', partitionKey: 'p', data: { name: 'wide', ...wide } });
  assert.deepEqual(statuses, ['too_many_keys']);
  assert.throws(() => wrapKinesisRecord(record, { getToken: () => '', dataShape: 'Flat' }), /dataShape must be "auto", "nested" or "flat"/);
});

test('a token source can be shared and a bad configuration fails at setup, not at record', () => {
  const tokens = createTokenSource({ getToken: () => liveToken() });
  const a = wrapRecord(() => {}, { tokenSource: tokens });
  assert.equal(a.tokenSource, tokens);
  assert.throws(() => wrapRecord(() => {}, {}), /needs `fetchAuthSession`/);
  assert.throws(() => wrapRecord(() => {}, { source: 'nope', getToken: undefined }), /unknown token source/);
  assert.throws(() => wrapRecord('record', { getToken: () => '' }), TypeError);
});

test('autoTrackAttributed: configures the stamp, re-configures on Hub auth events and at expiry', async () => {
  const configured = [];
  const configureAutoTrack = (input) => configured.push(input);
  const hub = fakeHub();
  // Expires 1.2 s from now, on a whole second (the token stores seconds).
  const expiresS = Math.ceil(Date.now() / 1000) + 1;
  let token = `ja1|app|j-1|1|${expiresS}|Short sale`;
  const input = { enable: true, type: 'pageView', options: { streamName: 's', partitionKey: 'p', attributes: { app: 'shop' } } };
  const t = autoTrackAttributed(configureAutoTrack, input, { getToken: () => token, Hub: hub });
  await t.ready;
  assert.deepEqual(configured.at(-1), { ...input, options: { ...input.options, attributes: { app: 'shop', campaign: 'Short sale', campaign_id: 'j-1' } } });
  assert.deepEqual(input.options.attributes, { app: 'shop' }, 'the input is not mutated');

  token = `ja1|app|j-2|1|${expiresS}|Other sale`;
  hub.dispatch('auth', 'tokenRefresh');
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(configured.at(-1).options.attributes.campaign_id, 'j-2');

  // At expiresAt the stamp goes, without any event.
  const before = configured.length;
  await new Promise((r) => setTimeout(r, expiresS * 1000 - Date.now() + 100));
  assert.equal(configured.length, before + 1);
  assert.deepEqual(configured.at(-1).options.attributes, { app: 'shop' });
  t.dispose();
  assert.equal(hub.size(), 0, 'dispose stops listening');
});

test('autoTrackAttributed: a failed lookup configures the app\'s attributes and says why', async () => {
  const configured = [];
  const e = errors();
  const t = autoTrackAttributed((i) => configured.push(i), { enable: true, type: 'session', options: { streamName: 's', partitionKey: 'p' } }, {
    getToken: async () => {
      throw new Error('no session');
    },
    onError: e.onError,
  });
  await t.ready;
  t.dispose();
  assert.deepEqual(configured, [{ enable: true, type: 'session', options: { streamName: 's', partitionKey: 'p', attributes: {} } }]);
  assert.deepEqual(e.seen.map((x) => x.reason), ['token_lookup_failed']);
  assert.throws(() => autoTrackAttributed('configure', {}), TypeError);
});

test('landing touch: a message link stamps signed-out events while it is the newest live attribution', async () => {
  const { captureLanding, clearLanding } = await import('journey-attribution');
  clearLanding();
  const t0 = Date.now();
  let now = t0;
  const clock = () => now;
  const found = await captureLanding('https://shop.example/p?utm_source=email&utm_campaign=Spring%20sale&utm_id=j-1', { window: '1h', nowMs: t0 });
  assert.deepEqual(found, { captured: true, ignored: undefined });
  const { record, calls } = fakeRecord();
  const e = errors();
  let server; // signed out
  const wrapped = wrapRecord(record, { getToken: () => server, clock, onError: e.onError, cacheTtlMs: 0 });
  await wrapped({ name: 'purchase', attributes: { sku: 'a' } });
  assert.deepEqual(calls[0][0], { name: 'purchase', attributes: { sku: 'a', campaign: 'Spring sale', campaign_id: 'j-1' } });
  // An older server token loses; a newer one wins.
  server = `ja1|app|j-old|${t0 - 1000}|${Math.floor(t0 / 1000) + 3600}|Old`;
  await wrapped({ name: 'purchase' });
  assert.equal(calls[1][0].attributes.campaign_id, 'j-1');
  server = `ja1|app|j-new|${t0 + 1000}|${Math.floor(t0 / 1000) + 3600}|New`;
  now = t0 + 2000;
  await wrapped({ name: 'purchase' });
  assert.equal(calls[2][0].attributes.campaign_id, 'j-new');
  // The token lookup failing: the landing touch still stamps, and onError says why.
  const failing = wrapRecord(record, { getToken: () => Promise.reject(new Error('offline')), clock, onError: e.onError, cacheTtlMs: 0 });
  await failing({ name: 'purchase' });
  assert.equal(calls[3][0].attributes.campaign_id, 'j-1');
  assert.deepEqual(e.seen.map((x) => x.reason), ['token_lookup_failed']);
  // Past the window (expiry is rounded up to the second): never.
  server = undefined;
  now = t0 + 3_601_000;
  await wrapped({ name: 'purchase' });
  assert.deepEqual(calls[4][0], { name: 'purchase' });
  // landing: false ignores it; the pure stampEvent never uses it.
  now = t0 + 1;
  const off = wrapRecord(record, { getToken: () => undefined, clock, landing: false });
  await off({ name: 'purchase' });
  assert.deepEqual(calls[5][0], { name: 'purchase' });
  clearLanding();
  await wrapped({ name: 'purchase' });
  assert.deepEqual(calls[6][0], { name: 'purchase' });
});

test('landing touch: utm_campaign alone, ja, and malformed links', async () => {
  const { captureLanding, clearLanding, decodeToken } = await import('journey-attribution');
  clearLanding();
  const now = Date.now();
  const stamps = [];
  const wrapped = wrapRecord((ev) => stamps.push(withoutEventId(ev)), { getToken: () => undefined });
  assert.equal((await captureLanding('/landing?utm_medium=email&utm_campaign=Flash+sale', { nowMs: now })).captured, true);
  await wrapped({ name: 'p' });
  // Without utm_id the id is utm:<label>: it can never be taken for a journey id.
  assert.deepEqual(stamps[0].attributes, { campaign: 'Flash sale', campaign_id: 'utm:Flash sale' });
  // ja (as `journey-attribution link` writes it) wins over UTM and carries the application.
  const ja = encodeURIComponent('1|app-1|j-9|50%25 off');
  assert.equal((await captureLanding(`/p?utm_campaign=Other&ja=${ja}`, { nowMs: now + 1 })).captured, true);
  await wrapped({ name: 'p' });
  assert.deepEqual(stamps[1].attributes, { campaign: '50% off', campaign_id: 'j-9' });
  // A malformed ja: ignored, named; the touch kept before stays.
  const bad = await captureLanding('/p?ja=2%7Ca%7Cb%7Cc', { nowMs: now + 2 });
  assert.equal(bad.captured, false);
  assert.match(bad.ignored.message, /^journey-attribution: invalid link: link parameter ja: version is not 1$/);
  await wrapped({ name: 'p' });
  assert.equal(stamps[2].attributes.campaign_id, 'j-9');
  await assert.rejects(captureLanding('/q?utm_campaign=x&utm_medium=sms', { window: '30s' }), /invalid windows: lookback window "30s"/);
  // No link in the address: nothing to load, nothing captured.
  assert.deepEqual(await captureLanding('/plain?page=2'), { captured: false, ignored: undefined });
  assert.equal(decodeToken('Legacy label').legacy, true);
  clearLanding();
});

test('landing touch: clearOnSignOut forgets it on Hub signedOut; by default it stays with the browser', async () => {
  const { captureLanding, clearLanding } = await import('journey-attribution');
  clearLanding();
  const hub = fakeHub();
  const stamps = [];
  const keeps = wrapRecord((ev) => stamps.push(withoutEventId(ev)), { getToken: () => undefined, Hub: hub });
  const clears = wrapRecord((ev) => stamps.push(withoutEventId(ev)), { getToken: () => undefined, Hub: hub, clearOnSignOut: true });
  await captureLanding('/p?utm_campaign=Device&utm_source=push', { nowMs: Date.now() });
  await keeps({ name: 'p' });
  assert.equal(stamps[0].attributes.campaign, 'Device');
  hub.dispatch('auth', 'tokenRefresh');
  await clears({ name: 'p' });
  assert.equal(stamps[1].attributes.campaign, 'Device', 'only a sign-out clears it');
  hub.dispatch('auth', 'signedOut');
  await keeps({ name: 'p' });
  assert.deepEqual(stamps[2], { name: 'p' });
  keeps.dispose();
  clears.dispose();
  assert.equal(hub.size(), 0);
});

test('event ids: every custom event the wrappers record carries its own UUID v4 event_id, within Pinpoint limits', async () => {
  const seen = [];
  const raw = (input) => {
    seen.push(input);
  };
  const token = liveToken();
  const pinpoint = wrapRecord(raw, { getToken: () => token, landing: false });
  await pinpoint({ name: 'purchase', attributes: { sku: 'a' } });
  await pinpoint({ name: 'purchase', attributes: { sku: 'a' } });
  const [a, b] = seen.map((e) => e.attributes.event_id);
  assert.match(a, UUID_V4);
  assert.match(b, UUID_V4);
  assert.notEqual(a, b, 'one id per event, not per content');
  assert.deepEqual(seen[0], { name: 'purchase', attributes: { sku: 'a', campaign: 'Spring sale', campaign_id: 'j-1', event_id: a } });
  // The app's own id stands; Pinpoint's own events get none.
  await pinpoint({ name: 'purchase', attributes: { event_id: 'order-7' } });
  assert.deepEqual(seen[2].attributes, { event_id: 'order-7', campaign: 'Spring sale', campaign_id: 'j-1' });
  await pinpoint({ name: '_session.start' });
  assert.deepEqual(seen[3], { name: '_session.start' });
  // Unstamped events get one too (no session; a failed lookup).
  const signedOut = wrapRecord(raw, { getToken: () => undefined, landing: false });
  await signedOut({ name: 'view', metrics: { n: 1 } });
  assert.deepEqual(Object.keys(seen[4].attributes), ['event_id']);
  assert.deepEqual(seen[4].metrics, { n: 1 });
  const failing = wrapRecord(raw, { getToken: () => Promise.reject(new Error('offline')), landing: false, onError: () => {} });
  await failing({ name: 'p' });
  assert.match(seen[5].attributes.event_id, UUID_V4);
  // Pinpoint's 40 keys: the stamp first, the id when there is room.
  const keys = (n) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
  for (const [n, campaign, id] of [[37, true, true], [38, true, false], [39, false, true], [40, false, false]]) {
    await pinpoint({ name: 'wide', attributes: keys(n) });
    const ev = seen.at(-1);
    assert.equal('campaign' in ev.attributes, campaign, `${n} keys: stamp`);
    assert.equal('event_id' in ev.attributes, id, `${n} keys: event id`);
    assert.ok(Object.keys(ev.attributes).length <= 40);
  }
  // Streams: where the report reads attributes, nested or flat.
  for (const wrap of [wrapKinesisRecord, wrapFirehoseRecord]) {
    const stream = wrap(raw, { getToken: () => token, landing: false });
    await stream({ streamName: 's', partitionKey: 'p', data: { name: 'nested', attributes: { sku: 'a' } } });
    assert.match(seen.at(-1).data.attributes.event_id, UUID_V4);
    await stream({ streamName: 's', partitionKey: 'p', data: { name: 'albumVisit', genre: 'jazz', minutesListened: 30 } });
    const flat = seen.at(-1).data;
    assert.match(flat.event_id, UUID_V4);
    assert.equal(flat.attributes, undefined);
    assert.equal(flat.campaign_id, 'j-1');
    // Flat data at 39 string or number fields: stamped no more, but the id fits.
    await stream({ streamName: 's', partitionKey: 'p', data: { name: 'wide', ...keys(39) } });
    assert.match(seen.at(-1).data.event_id, UUID_V4);
    await stream({ streamName: 's', partitionKey: 'p', data: { name: 'mine', event_id: 'order-8' } });
    assert.equal(seen.at(-1).data.event_id, 'order-8');
  }
  // v5's string input becomes an event carrying its id.
  const v5 = wrapRecordV5(raw, { getToken: () => undefined, landing: false });
  await v5('signup');
  assert.match(seen.at(-1).attributes.event_id, UUID_V4);
  // The pure functions never add one.
  assert.deepEqual(stampEvent({ name: 'p' }, token), { name: 'p', attributes: { campaign: 'Spring sale', campaign_id: 'j-1' } });
});

test('landing touch: only links from the app\'s own channels count; an ad never replaces a live journey attribution', async () => {
  const { captureLanding, clearLanding } = await import('journey-attribution');
  clearLanding();
  const t0 = Date.now();
  const { record, calls } = fakeRecord();
  let server = `ja1|app|j-journey|${t0 - 60_000}|${Math.floor(t0 / 1000) + 3600}|Journey`;
  const wrapped = wrapRecord(record, { getToken: () => server, cacheTtlMs: 0 });
  // An ad's link, utm_id and all, landing after the journey's touch: not a touch.
  const ad = '/p?utm_medium=cpc&utm_source=google&utm_campaign=Ad&utm_id=j-ad';
  assert.deepEqual(await captureLanding(ad, { nowMs: t0 }), { captured: false, ignored: undefined });
  await wrapped({ name: 'purchase' });
  assert.deepEqual(calls[0][0].attributes, { campaign: 'Journey', campaign_id: 'j-journey' });
  // Nor does it stamp a visitor who is signed out.
  server = undefined;
  await wrapped({ name: 'purchase' });
  assert.deepEqual(calls[1][0], { name: 'purchase' });
  // No channel at all: not a touch either.
  assert.equal((await captureLanding('/p?utm_campaign=Shared&utm_id=j-shared', { nowMs: t0 + 1 })).captured, false);
  // The app's own list of channels replaces the default one; anyUtm takes every link.
  const news = '/p?utm_medium=Newsletter&utm_campaign=News&utm_id=j-news';
  assert.equal((await captureLanding(news, { nowMs: t0 + 2 })).captured, false);
  assert.equal((await captureLanding(`${news}&again`, { nowMs: t0 + 2, utmChannels: ['newsletter'] })).captured, true);
  await wrapped({ name: 'purchase' });
  assert.equal(calls[2][0].attributes.campaign_id, 'j-news');
  assert.equal((await captureLanding(`${ad}&again`, { nowMs: t0 + 3, anyUtm: true })).captured, true);
  await wrapped({ name: 'purchase' });
  assert.equal(calls[3][0].attributes.campaign_id, 'j-ad');
  // A ja link always counts, whatever the UTM parameters beside it say.
  const ja = encodeURIComponent('1|app-1|j-ja|Own');
  assert.equal((await captureLanding(`/p?utm_medium=cpc&ja=${ja}`, { nowMs: t0 + 4 })).captured, true);
  await wrapped({ name: 'purchase' });
  assert.equal(calls[4][0].attributes.campaign_id, 'j-ja');
  // A malformed list fails where it is given.
  await assert.rejects(captureLanding('/p?utm_campaign=x', { utmChannels: 'email' }), /utmChannels must be an array of strings/);
  assert.throws(() => wrapRecord(record, { getToken: () => undefined, utmChannels: ['email', 3] }), /utmChannels must be an array of strings/);
  clearLanding();
});
