// The demo page: an "app" that uses the npm package exactly as an Amplify app would.
// `record` below stands in for Amplify's `record` (it posts the event to the local API,
// which stores it as Pinpoint's event stream would); `fetchAuthSession` stands in for
// Amplify's (the local API returns the ID token payload with custom:campaign).
import { ready, wrapRecord, decodeToken, clearLanding } from '/pkg/index.js';

const $ = (id) => document.getElementById(id);
const api = async (path, body) => {
  const res = await fetch(`/api/${path}`, body === undefined ? {} : {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(json.error ?? res.statusText);
  return json;
};

let state = { now_ms: 0, users: [] };
// Following the journey's message link (the demo adds `demo_visitor=1` to it) opens the
// shop signed out, as a visitor who clicked an email would; '' is "signed out".
let user = new URLSearchParams(location.search).has('demo_visitor') ? '' : 'alice';
const fmtTime = (ms) => new Date(ms).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
const fmtDuration = (ms) => {
  const m = Math.round(Math.abs(ms) / 60000);
  if (m < 120) return `${m} min`;
  const h = m / 60;
  return h < 48 ? `${h.toFixed(1)} h` : `${(h / 24).toFixed(1)} days`;
};

// What each touch source calls the journey form's fields, and who sends / reads the payloads.
const SOURCES = {
  pinpoint: {
    summary: 'Pinpoint custom-channel activity → `tagging`', from: 'Pinpoint', to: 'Pinpoint',
    users: 'Endpoints (users who opened or clicked)', application: 'Pinpoint application',
    journeyId: 'Journey id', label: "Campaign label (the activity's custom data)",
  },
  connect: {
    summary: 'Amazon Connect outbound campaign, custom action → `connect-tagging`', from: 'Connect', to: 'Connect',
    users: 'Customer profiles (CustomerData.attributes.username)', application: 'Application id (always connect)',
    journeyId: 'Campaign id', label: 'Campaign name',
  },
  ses: {
    summary: 'SES Open event of a configuration set, through SNS → `ses-tagging`', from: 'SES (SNS)', to: 'logs (SNS ignores it)',
    users: 'Recipients who opened the email (username message tag)', application: 'SES configuration set',
    journeyId: 'journey_id message tag', label: 'campaign message tag (characters other than A-Z a-z 0-9 _ - . @ become -)',
  },
};

function applySource() {
  const src = SOURCES[$('source').value];
  // `name` in a summary is code: built as elements, never parsed as markup.
  $('source-summary').replaceChildren(...src.summary.split('`').map((part, i) => {
    if (i % 2 === 0) return part;
    const code = document.createElement('code');
    code.textContent = part;
    return code;
  }));
  $('users-legend').textContent = src.users;
  $('application-label').textContent = src.application;
  $('journey-id-label').textContent = src.journeyId;
  $('label-label').textContent = src.label;
  // Connect's touches always carry the application id `connect`.
  const app = $('application');
  const connect = $('source').value === 'connect';
  if (connect) app.value = 'connect';
  else if (app.value === 'connect') app.value = 'demo-newsletter';
  app.disabled = connect;
}

// A minimal Hub: the wrapper drops its cached token on auth events, as with Amplify's Hub.
const listeners = new Set();
const Hub = {
  listen(channel, cb) { if (channel === 'auth') listeners.add(cb); return () => listeners.delete(cb); },
  dispatch(event) { for (const cb of listeners) cb({ payload: { event } }); },
};

async function amplifyRecord(event) {
  await api('events', { username: user || 'visitor', event });
}

const outcomes = [];
let record;
// Made once the demo clock is known: the wrapper captures the landing touch of this page's
// address (a message link's utm_campaign / utm_id / ja) at the demo's time.
function makeRecord() {
  record = wrapRecord(amplifyRecord, {
    // Signed out: no tokens, as Amplify's fetchAuthSession answers then.
    fetchAuthSession: () => (user ? api(`session?username=${encodeURIComponent(user)}`) : Promise.resolve({ tokens: undefined })),
    Hub,
    clock: () => state.now_ms,
    window: '2d',
    onStamp: (status, event) => outcomes.push({ status, event }),
    onError: (reason) => { if (reason !== 'invalid_link') outcomes.push({ status: reason }); },
  });
}

// The journey's message, with its link (built by the core, as `journey-attribution link`).
let messageRequests = 0;
async function renderMessage() {
  // Typing fires one request per change: only the latest answer may draw the link.
  const mine = ++messageRequests;
  const { url } = await api('link', {
    journey_id: $('journey-id').value.trim() || 'journey', label: $('label').value || 'Campaign',
    application_id: $('application').value, url: `${location.origin}/`,
  });
  if (mine !== messageRequests) return;
  const link = $('message-link');
  link.href = `${url}&demo_visitor=1`;
  link.textContent = url;
  $('message-label').textContent = $('label').value;
}

function renderState(s) {
  state = s;
  $('now').textContent = fmtTime(s.now_ms);
  $('signed-in-as').textContent = user ? `signed in as ${user}` : 'signed out (a visitor)';
  const me = s.users.find((u) => u.username === user);
  const raw = me?.campaign_attribute ?? null;
  $('token-raw').textContent = raw ?? '— (no attribute)';
  let decoded = null;
  try { decoded = decodeToken(raw); } catch (e) { decoded = { error: e.message }; }
  const pill = $('token-state');
  if (!decoded) {
    $('token-label').textContent = $('token-journey').textContent = $('token-expires').textContent = '—';
    pill.textContent = 'not attributed'; pill.className = 'pill';
  } else if (decoded.error) {
    $('token-label').textContent = decoded.error; pill.textContent = 'unreadable'; pill.className = 'pill bad';
  } else {
    $('token-label').textContent = decoded.label;
    $('token-journey').textContent = decoded.journeyId ?? '— (legacy value)';
    const left = decoded.expiresAt - s.now_ms;
    $('token-expires').textContent = decoded.expiresAt == null ? 'never (legacy)'
      : `${fmtTime(decoded.expiresAt)} (${left > 0 ? 'in ' : ''}${fmtDuration(left)}${left > 0 ? '' : ' ago'})`;
    const live = decoded.expiresAt == null || left > 0;
    pill.textContent = live ? 'live: events are stamped' : 'expired: events go out unstamped';
    pill.className = live ? 'pill good' : 'pill warn';
  }
}

function renderStep(step) {
  if (step.invocation) {
    const src = SOURCES[step.source] ?? SOURCES.pinpoint;
    $('invocation-heading').textContent = `${src.from} → ${step.function}`;
    $('response-heading').textContent = `${step.function} → ${src.to}`;
    $('invocation').textContent = JSON.stringify(step.invocation, null, 2);
    $('tagging-response').textContent = step.tagging_error ?? JSON.stringify(step.tagging_response, null, 2);
  }
  // Labels and usernames are data (a marketer typed the label): text, never markup.
  const rows = (step.stream_event?.Records ?? []).map((r) => {
    const img = r.dynamodb.NewImage ?? r.dynamodb.OldImage ?? {};
    const by = r.userIdentity ? 'TTL' : (step.function ?? 'tagging');
    const label = img.label?.S ? ` (${img.label.S})` : '';
    return row([`${r.eventName}${label}`, r.dynamodb.Keys.username.S, by]);
  });
  const empty = row(['no records']);
  empty.firstElementChild.colSpan = 3;
  empty.firstElementChild.className = 'muted';
  $('stream').replaceChildren(...(rows.length ? rows : [empty]));
  const failures = step.sync_response?.batchItemFailures ?? [];
  $('sync-result').textContent = `sync: ${rows.length} record(s), ${failures.length} batch item failure(s)`;
}

async function refresh(resp) {
  if (resp?.step) renderStep(resp.step);
  renderState(resp?.state ?? resp ?? await api('state'));
}

function renderUsers() {
  $('journey-users').replaceChildren(...state.users.map((u, i) => {
    const label = document.createElement('label');
    label.className = 'inline';
    const box = document.createElement('input');
    box.type = 'checkbox';
    box.value = u.username;
    box.checked = i === 0;
    label.append(box, ` ${u.username}`);
    return label;
  }));
  const out = new Option('— signed out —', '');
  $('user').replaceChildren(out, ...state.users.map((u) => new Option(u.username, u.username)));
  $('user').value = user;
}

// A table row of text cells.
function row(cells) {
  const tr = document.createElement('tr');
  for (const v of cells) { const td = document.createElement('td'); td.textContent = v; tr.append(td); }
  return tr;
}

async function recordEvent(event) {
  outcomes.length = 0;
  await record(event);
  const o = outcomes[outcomes.length - 1] ?? { status: 'unknown' };
  const sent = o.event ?? event;
  const campaign = sent.attributes?.campaign ?? '—';
  const cls = o.status === 'stamped' ? 'good' : o.status === 'expired' ? 'warn' : '';
  const tr = row([fmtTime(state.now_ms).slice(5, 16), user || 'visitor', event.name, campaign, '']);
  const pill = document.createElement('span');
  pill.className = `pill ${cls}`;
  pill.textContent = o.status;
  tr.children[4].append(pill);
  tr.dataset.status = o.status;
  $('events').prepend(tr);
}

function parseCosts(text) {
  return text.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const i = p.lastIndexOf('=');
    return { campaign: p.slice(0, i).trim(), cost: Number(p.slice(i + 1)) };
  }).filter((c) => c.campaign && Number.isFinite(c.cost));
}

function reportOptions() {
  const goal = $('goal').value.trim();
  const metric = $('revenue-metric').value.trim();
  return { goals: goal ? [goal] : [], revenueMetric: metric || null };
}

function renderReport(report, source) {
  const money = (v) => (v == null ? '—' : v.toFixed(2));
  $('report').replaceChildren(...report.campaigns.map((c) => row([c.campaign, c.campaign_id ?? '—', c.attributed_events,
    c.converted_users, money(c.revenue), money(c.cost), c.roi == null ? '—' : `${(c.roi * 100).toFixed(0)} %`])));
  if (!report.campaigns.length) {
    const empty = row(['no attributed events yet']);
    empty.firstElementChild.colSpan = 7;
    empty.firstElementChild.className = 'muted';
    $('report').append(empty);
  }
  $('report-source').textContent = `${source}: ${report.lines} line(s), ${report.events} event(s), `
    + `${report.attributed_events} attributed, ${report.skipped_lines} skipped (not event records)`;
  $('report-table').dataset.source = source;
}

// Server side: the demo's /api/report runs the core's aggregation on the recorded events.
async function buildReport() {
  const { goals, revenueMetric } = reportOptions();
  const report = await api('report', {
    options: { goals, revenue_metric: revenueMetric },
    costs: parseCosts($('costs').value),
  });
  renderReport(report, 'recorded events (server)');
}

// In the browser: the same aggregation from the npm package's report module
// (`journey-attribution/report`), loaded only when a file is dropped.
async function reportFromFile(file) {
  try {
    const { buildReport: build, ready: reportReady } = await import('/pkg/report.js');
    await reportReady;
    const report = build(await file.text(), reportOptions(), parseCosts($('costs').value));
    renderReport(report, `${file.name} (in the browser)`);
  } catch (e) {
    $('report').replaceChildren();
    $('report-source').textContent = `${file.name}: ${e.message}`;
    $('report-table').dataset.source = 'error';
  }
}

// The holdout panel: the server simulates the campaign and the report measures it; the page
// only formats what comes back (every figure, the flag and the explanation are the server's).
async function runHoldout() {
  $('holdout-error').textContent = '';
  let run;
  try {
    run = await api('holdout', {
      users: Number($('holdout-users').value), holdout_percent: $('holdout-percent').value.trim(),
      baseline_percent: Number($('holdout-baseline').value), uplift_points: Number($('holdout-uplift').value),
      order_value: Number($('holdout-order').value), cost: Number($('holdout-cost').value),
      seed: Number($('holdout-seed').value),
    });
  } catch (e) {
    $('holdout-error').textContent = e.message;
    $('holdout-result').hidden = true;
    return;
  }
  renderHoldout(run);
}

function renderHoldout(run) {
  const a = run.attributed, l = run.lift, t = run.truth;
  const num = (v, d = 0) => (v == null ? '—' : v.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d }));
  const ci = (iv, d = 0, f = (x) => x, unit = '') => (iv == null ? ''
    : ` [${num(f(iv[0]), d)}${unit}, ${num(f(iv[1]), d)}${unit}]`);
  const pct = (v) => (v == null ? '—' : `${num(v * 100, 0)} %`);
  const points = (x) => x * 100;
  $('holdout-summary').textContent = `Seed ${run.seed} · ${num(run.users)} users, ${run.holdout_percent} % held out: `
    + `${num(l.treatment_users)} treatment, ${num(l.control_users)} control · true buy rate `
    + `${num(points(t.control_rate), 2)} % without the campaign, ${num(points(t.treatment_rate), 2)} % with it `
    + `· window ${run.window} from assignment · ${Math.round(l.confidence * 100)} % intervals`;
  $('attributed-conversions').textContent = num(a.converted_users);
  $('attributed-revenue').textContent = num(a.revenue, 2);
  $('attributed-roi').textContent = pct(a.roi);
  $('incremental-conversions').textContent = num(l.incremental_conversions, 1) + ci(l.incremental_conversions_ci, 1);
  $('incremental-revenue').textContent = num(l.incremental_revenue, 2) + ci(l.incremental_revenue_ci, 2);
  $('incremental-roi').textContent = pct(run.incremental_roi) + ci(run.incremental_roi_ci, 0, points, ' %');
  $('incremental-iroas').textContent = num(l.iroas, 2) + ci(run.iroas_ci, 2);
  $('incremental-rate').textContent = `${l.rate_difference == null ? '—' : num(points(l.rate_difference), 2)} pp${ci(l.rate_difference_ci, 2, points)} (true: ${num(points(t.rate_difference), 2)} pp)`;
  const pill = $('holdout-conclusive');
  pill.textContent = l.conclusive ? 'conclusive' : 'too small to conclude';
  pill.className = `pill ${l.conclusive ? 'good' : 'warn'}`;
  $('holdout-explanation').textContent = run.explanation;
  $('holdout-note').textContent = l.note ?? '';
  const s = run.samples;
  $('holdout-samples').textContent = [
    '# exposure log (treatment, control)', s.exposure_treatment, s.exposure_control,
    '# events (a stamped treatment purchase, an unstamped control purchase)', s.event_stamped, s.event_unstamped,
  ].filter((x) => x != null).join('\n');
  $('holdout-result').hidden = false;
  $('holdout-result').dataset.seed = String(run.seed);
}

function wireDropZone() {
  const zone = $('drop-zone');
  $('report-file').addEventListener('change', (e) => {
    const [file] = e.target.files;
    if (file) reportFromFile(file);
    e.target.value = '';
  });
  zone.addEventListener('dragover', (e) => { e.preventDefault(); zone.classList.add('over'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const [file] = e.dataTransfer.files;
    if (file) reportFromFile(file);
  });
}

function wire() {
  for (const b of document.querySelectorAll('[data-advance]')) {
    b.addEventListener('click', async () => refresh(await api('clock', { advance_ms: Number(b.dataset.advance) })));
  }
  $('ttl-sweep').addEventListener('click', async () => { await refresh(await api('ttl-sweep', {})); Hub.dispatch('tokenRefresh'); });
  $('reset').addEventListener('click', async () => { await refresh(await api('reset', {})); $('events').replaceChildren(); $('report').replaceChildren(); $('report-source').textContent = ''; clearLanding(); Hub.dispatch('signedOut'); });
  $('journey-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const usernames = [...document.querySelectorAll('#journey-users input:checked')].map((i) => i.value);
    $('journey-error').textContent = '';
    let resp;
    try {
      resp = await api('journey', {
        source: $('source').value, usernames, application_id: $('application').value,
        journey_id: $('journey-id').value.trim(), label: $('label').value,
      });
    } catch (err) {
      $('journey-error').textContent = err.message;
      return;
    }
    await refresh(resp);
    await renderMessage();
    // In an app, the refreshed ID token carries the new claim; Hub tells the wrapper.
    Hub.dispatch('tokenRefresh');
  });
  for (const id of ['journey-id', 'label', 'application']) $(id).addEventListener('change', renderMessage);
  $('source').addEventListener('change', applySource);
  $('user').addEventListener('change', async () => { user = $('user').value; Hub.dispatch('signedIn'); await refresh(); });
  $('record-purchase').addEventListener('click', () => recordEvent({ name: 'purchase', attributes: { sku: 'SKU-1' }, metrics: { revenue: Number($('revenue').value) } }));
  $('record-signup').addEventListener('click', () => recordEvent({ name: 'sign_up', attributes: { plan: 'free' } }));
  $('record-session').addEventListener('click', () => recordEvent({ name: '_session.start' }));
  $('report-form').addEventListener('submit', (e) => { e.preventDefault(); buildReport(); });
  $('holdout-form').addEventListener('submit', (e) => { e.preventDefault(); runHoldout(); });
  wireDropZone();
}

async function main() {
  await ready;
  state = await api('state');
  makeRecord();
  renderUsers();
  wire();
  applySource();
  await refresh();
  await renderMessage();
  $('status').textContent = 'ready';
  document.body.dataset.ready = 'true';
}

main().catch((e) => { $('status').textContent = `error: ${e.message}`; console.error(e); });
