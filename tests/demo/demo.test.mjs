// End-to-end: the local demo in headless Chromium (Debian's, driven by playwright-core).
// DEMO_URL points at a running `journey-attribution demo`; scripts/test.d/60-demo.sh starts it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
// playwright-core is installed with the build tools (tools/package.json).
const { chromium } = await import(new URL('../../tools/node_modules/playwright-core/index.mjs', import.meta.url));

const url = process.env.DEMO_URL;
const artifacts = process.env.ARTIFACTS_DIR ?? 'artifacts';
const DAY = 86_400_000;
let browser, page;

before(async () => {
  assert.ok(url, 'DEMO_URL must point at a running demo');
  mkdirSync(artifacts, { recursive: true });
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    // launch() uses a fresh temporary profile; these flags keep Chromium off the network.
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = await browser.newPage({ viewport: { width: 1366, height: 900 } });
  page.on('pageerror', (e) => { throw e; });
  await page.goto(url);
  await page.waitForSelector('body[data-ready=true]', { timeout: 15_000 });
});

after(async () => { await browser?.close(); });

const text = (sel) => page.textContent(sel);
const lastEvent = async () => {
  const row = page.locator('#events tr').first();
  return { status: await row.getAttribute('data-status'), campaign: await row.locator('td').nth(3).textContent() };
};
const clickClock = async (ms) => {
  const before = await text('#now');
  await page.click(`[data-advance="${ms}"]`);
  await page.waitForFunction((b) => document.getElementById('now').textContent !== b, before);
};
const journey = async (journeyId, label, app = 'demo-newsletter') => {
  await page.fill('#journey-id', journeyId);
  await page.fill('#label', label);
  await page.selectOption('#application', app);
  await page.click('#send-journey');
  await page.waitForFunction((l) => document.getElementById('token-label').textContent === l, label);
};
const recordPurchase = async (revenue) => {
  const n = await page.locator('#events tr').count();
  await page.fill('#revenue', String(revenue));
  await page.click('#record-purchase');
  await page.waitForFunction((n) => document.querySelectorAll('#events tr').length === n + 1, n);
  return lastEvent();
};

test('a journey tags the user, and the app stamps their events', async () => {
  await journey('journey-spring', 'Spring sale');
  assert.match(await text('#token-raw'), /^ja1\|demo-newsletter\|journey-spring\|\d+\|\d+\|Spring sale$/);
  assert.match(await text('#token-state'), /^live/);
  const invocation = JSON.parse(await text('#invocation'));
  assert.equal(invocation.JourneyId, 'journey-spring');
  assert.ok(invocation.Endpoints['ep-alice-email'].User.UserAttributes.username.includes('alice'));
  const response = JSON.parse(await text('#tagging-response'));
  assert.equal(response['ep-alice-email'].EventAttributes.attribution, 'tagged');
  assert.deepEqual(await recordPurchase(50), { status: 'stamped', campaign: 'Spring sale' });
  await page.click('#record-session');
  await page.waitForFunction(() => document.querySelector('#events tr').dataset.status === 'reserved_event');
  await page.screenshot({ path: join(artifacts, 'demo-stamped.png'), fullPage: true });
});

test('stamping stops at the window end, before the TTL sweeper runs; the sweeper clears the attribute', async () => {
  await clickClock(2 * DAY);
  await clickClock(15 * 60_000); // past the 2-day window of demo-newsletter
  assert.match(await text('#token-state'), /^expired/);
  assert.deepEqual(await recordPurchase(10), { status: 'expired', campaign: '—' });
  await page.click('#ttl-sweep');
  await page.waitForFunction(() => document.getElementById('token-state').textContent === 'not attributed');
  assert.match(await text('#stream'), /REMOVE \(Spring sale\)\s*alice\s*TTL/);
  assert.deepEqual(await recordPurchase(10), { status: 'no_attribution', campaign: '—' });
  await page.screenshot({ path: join(artifacts, 'demo-expired.png'), fullPage: true });
});

test('a second journey overwrites the first and outlives its window', async () => {
  await journey('journey-flash', 'Flash sale', 'demo-flash-sale');
  assert.match(await text('#stream'), /INSERT \(Flash sale\)/);
  await clickClock(15 * 60_000);
  await journey('journey-summer', 'Summer', 'demo-newsletter');
  assert.match(await text('#stream'), /MODIFY \(Summer\)/);
  await clickClock(15 * 60_000);
  await page.click('#ttl-sweep');
  await page.waitForFunction(() => document.getElementById('sync-result').textContent.startsWith('sync: 0 record'));
  assert.equal(await text('#token-label'), 'Summer');
  assert.deepEqual(await recordPurchase(30), { status: 'stamped', campaign: 'Summer' });
});

test('the ROI report counts what was stamped', async () => {
  await page.fill('#costs', 'Spring sale=20, Summer=15');
  await page.click('#build-report');
  await page.waitForFunction(() => document.querySelectorAll('#report tr').length >= 2);
  const rows = await page.$$eval('#report tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const byName = Object.fromEntries(rows.map((r) => [r[0], r]));
  assert.deepEqual(byName['Spring sale'], ['Spring sale', 'journey-spring', '1', '1', '50.00', '20.00', '150 %']);
  assert.deepEqual(byName['Summer'], ['Summer', 'journey-summer', '1', '1', '30.00', '15.00', '100 %']);
  await page.screenshot({ path: join(artifacts, 'demo-report.png'), fullPage: true });
});

test('a dropped export of the recorded events gives the same report in the browser', async () => {
  assert.equal(await page.getAttribute('#download-events', 'href'), '/api/events');
  const res = await fetch(new URL('api/events', url));
  assert.equal(res.status, 200);
  const events = await res.text();
  // A line that is not an event record is counted, not fatal.
  const jsonl = `${events}\nnot a record\n`;
  const table = () => page.$$eval('#report tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));

  await page.fill('#costs', 'Spring sale=20, Summer=15');
  await page.click('#build-report');
  await page.waitForFunction(() => document.getElementById('report-table').dataset.source?.endsWith('(server)'));
  const server = await table();
  assert.ok(server.length >= 2, 'the server-built report has rows');

  await page.setInputFiles('#report-file', { name: 'events.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(jsonl) });
  await page.waitForFunction(() => document.getElementById('report-table').dataset.source === 'events.jsonl (in the browser)', null, { timeout: 15_000 });
  assert.deepEqual(await table(), server);
  const source = await text('#report-source');
  assert.match(source, /1 skipped/);
  assert.match(source, new RegExp(`${events.split('\n').filter((l) => l.trim()).length + 1} line\\(s\\)`));
  await page.screenshot({ path: join(artifacts, 'demo-report-file.png'), fullPage: true });

  // An ambiguous or invalid cost is the core's error, shown instead of a table.
  await page.fill('#costs', 'Spring sale=-1');
  await page.setInputFiles('#report-file', { name: 'bad-costs.jsonl', mimeType: 'application/x-ndjson', buffer: Buffer.from(jsonl) });
  await page.waitForFunction(() => document.getElementById('report-table').dataset.source === 'error');
  assert.match(await text('#report-source'), /bad-costs\.jsonl: .*a cost must be a finite number >= 0/);
});

test('Amazon Connect and SES touches stamp the events the same way, and the report shows both', async () => {
  // chen has no attribute yet: the page has switched once it says so.
  const signInChen = async () => {
    await page.selectOption('#user', 'chen');
    await page.waitForFunction(() => document.getElementById('token-raw').textContent === '— (no attribute)');
  };
  const pickUsers = async (...names) => {
    for (const box of await page.$$('#journey-users input')) {
      const want = names.includes(await box.getAttribute('value'));
      if ((await box.isChecked()) !== want) await box.click();
    }
  };
  const sendAndWait = async (label) => {
    await page.click('#send-journey');
    await page.waitForFunction((l) => document.getElementById('token-label').textContent === l, label);
  };

  // Amazon Connect: the campaign's custom action runs connect-tagging; the application is `connect`.
  assert.equal(await page.inputValue('#user'), 'alice');
  await page.selectOption('#source', 'connect');
  assert.equal(await page.inputValue('#application'), 'connect');
  assert.ok(await page.isDisabled('#application'));
  await pickUsers('alice');
  await page.fill('#journey-id', 'campaign-welcome');
  await page.fill('#label', 'Welcome call');
  await sendAndWait('Welcome call');
  assert.match(await text('#token-raw'), /^ja1\|connect\|campaign-welcome\|\d+\|\d+\|Welcome call$/);
  assert.equal(await text('#invocation-heading'), 'Connect → connect-tagging');
  const invocation = JSON.parse(await text('#invocation'));
  assert.equal(invocation.InvocationMetadata.CampaignContext.CampaignName, 'Welcome call');
  const profile = invocation.Items.CustomerProfiles[0];
  assert.equal(JSON.parse(profile.CustomerData).attributes.username, 'alice');
  const response = JSON.parse(await text('#tagging-response'));
  assert.deepEqual(response.Items.CustomerProfiles[0].ResultData,
    { attribution: 'tagged', reason: 'written', campaign: 'Welcome call' });
  assert.match(await text('#stream'), /MODIFY \(Welcome call\)\s*alice\s*connect-tagging/);
  assert.deepEqual(await recordPurchase(40), { status: 'stamped', campaign: 'Welcome call' });

  // SES: chen opened the email; the label goes out as a message tag value (a space becomes -).
  await page.selectOption('#source', 'ses');
  assert.equal(await page.isDisabled('#application'), false);
  await page.selectOption('#application', 'demo-newsletter');
  await page.fill('#journey-id', 'journey-may');
  await page.fill('#label', 'May newsletter');
  // björn is no SES tag value: refused, with the rule named, before anything is sent.
  await pickUsers('björn');
  await page.click('#send-journey');
  await page.waitForFunction(() => document.getElementById('journey-error').textContent.includes('björn'));
  assert.match(await text('#journey-error'), /A-Z a-z 0-9 _ - \. @/);
  await signInChen();
  await pickUsers('chen');
  await sendAndWait('May-newsletter');
  assert.equal(await text('#journey-error'), '');
  assert.match(await text('#token-raw'), /^ja1\|demo-newsletter\|journey-may\|\d+\|\d+\|May-newsletter$/);
  assert.equal(await text('#invocation-heading'), 'SES (SNS) → ses-tagging');
  const sns = JSON.parse(await text('#invocation'));
  const open = JSON.parse(sns.Records[0].Sns.Message);
  assert.equal(open.eventType, 'Open');
  assert.deepEqual(open.mail.tags.username, ['chen']);
  assert.deepEqual(open.mail.tags['ses:configuration-set'], ['demo-newsletter']);
  const summary = JSON.parse(await text('#tagging-response'));
  assert.equal(summary.events[0].reason, 'written');
  assert.match(await text('#stream'), /INSERT \(May-newsletter\)\s*chen\s*ses-tagging/);
  assert.deepEqual(await recordPurchase(25), { status: 'stamped', campaign: 'May-newsletter' });
  await page.screenshot({ path: join(artifacts, 'demo-successors.png'), fullPage: true });

  await page.fill('#costs', 'Welcome call=10, May-newsletter=5');
  await page.click('#build-report');
  await page.waitForFunction(() => document.getElementById('report-table').dataset.source?.endsWith('(server)')
    && [...document.querySelectorAll('#report tr td:first-child')].some((td) => td.textContent === 'May-newsletter'));
  const rows = await page.$$eval('#report tr', (trs) => trs.map((tr) => [...tr.children].map((td) => td.textContent)));
  const byName = Object.fromEntries(rows.map((r) => [r[0], r]));
  assert.deepEqual(byName['Welcome call'], ['Welcome call', 'campaign-welcome', '1', '1', '40.00', '10.00', '300 %']);
  assert.deepEqual(byName['May-newsletter'], ['May-newsletter', 'journey-may', '1', '1', '25.00', '5.00', '400 %']);

  // Back to the default source for whoever runs next.
  await page.selectOption('#source', 'pinpoint');
  assert.equal(await page.inputValue('#application'), 'demo-newsletter');
});

test('the message link: a signed-out visitor is stamped from the first purchase; signing in merges by newest', async () => {
  await page.click('#reset');
  await page.waitForFunction(() => document.getElementById('events').children.length === 0);
  await page.selectOption('#application', 'demo-newsletter');
  await page.fill('#journey-id', 'journey-link');
  await page.fill('#label', 'Link sale');
  await page.dispatchEvent('#label', 'change');
  await page.waitForFunction(() => document.getElementById('message-link').textContent.includes('utm_campaign=Link%20sale'));
  const href = await page.getAttribute('#message-link', 'href');
  assert.match(href, /[?&]utm_id=journey-link&ja=1%7Cdemo-newsletter%7Cjourney-link%7CLink%20sale&demo_visitor=1$/);
  // Following the link: the shop reloads with the parameters, signed out, nothing tagged.
  await Promise.all([page.waitForNavigation(), page.click('#message-link')]);
  await page.waitForSelector('body[data-ready=true]', { timeout: 15_000 });
  assert.equal(await text('#signed-in-as'), 'signed out (a visitor)');
  assert.equal(await text('#token-raw'), '— (no attribute)');
  assert.deepEqual(await recordPurchase(30), { status: 'stamped', campaign: 'Link sale' });
  const row = page.locator('#events tr').first();
  assert.equal(await row.locator('td').nth(1).textContent(), 'visitor');
  // Signing in as alice, not attributed server-side: the landing touch still stamps.
  await page.selectOption('#user', 'alice');
  await page.waitForFunction(() => document.getElementById('signed-in-as').textContent === 'signed in as alice');
  assert.deepEqual(await recordPurchase(20), { status: 'stamped', campaign: 'Link sale' });
  // A newer server-side attribution (a journey later on the demo clock) wins.
  await clickClock(15 * 60_000);
  await journey('journey-later', 'Later sale');
  assert.deepEqual(await recordPurchase(10), { status: 'stamped', campaign: 'Later sale' });
  await page.screenshot({ path: join(artifacts, 'demo-landing.png'), fullPage: true });
});

test('a label is text, never markup: a journey label with HTML runs no script', async () => {
  const label = '<img src=x onerror="window.__xss=1">';
  await journey('journey-xss', label);
  assert.equal(await text('#token-label'), label);
  assert.deepEqual(await recordPurchase(5), { status: 'stamped', campaign: label });
  await page.click('#build-report');
  await page.waitForFunction((l) => [...document.querySelectorAll('#report tr td:first-child')]
    .some((td) => td.textContent === l), label);
  assert.ok((await text('#stream')).includes(`(${label})`));
  // No element was made of the label (an <img> with a broken src would run its onerror).
  assert.equal(await page.locator('#stream img, #events img, #report img, #journey-users img').count(), 0);
  assert.equal(await page.evaluate(() => window.__xss), undefined);
});

test('the holdout panel: attributed beside incremental, as the server measured them', async () => {
  const fill = async (fields) => { for (const [id, v] of Object.entries(fields)) await page.fill(`#holdout-${id}`, v); };
  await fill({ users: '5000', percent: '20', baseline: '5', uplift: '2', order: '50', cost: '500', seed: '7' });
  await page.click('#run-holdout');
  await page.waitForFunction(() => !document.getElementById('holdout-result').hidden
    && document.getElementById('holdout-result').dataset.seed === '7', null, { timeout: 30_000 });
  assert.match(await text('#holdout-summary'), /^Seed 7 · 5,000 users, 20 % held out: [\d,]+ treatment, [\d,]+ control/);
  const amount = (s) => Number(s.split(' [')[0].replaceAll(',', ''));
  const attributed = amount(await text('#attributed-revenue'));
  const incremental = amount(await text('#incremental-revenue'));
  assert.ok(attributed > incremental && incremental > 0, `${attributed} vs ${incremental}`);
  assert.ok(amount(await text('#attributed-conversions')) > amount(await text('#incremental-conversions')));
  // The incremental figures carry their intervals; the flag is the report's.
  for (const id of ['#incremental-conversions', '#incremental-revenue', '#incremental-iroas']) {
    assert.match(await text(id), /^-?[\d,.]+ \[-?[\d,.]+, -?[\d,.]+\]$/, id);
  }
  assert.match(await text('#attributed-roi'), /^-?[\d,]+ %$/);
  assert.match(await text('#incremental-roi'), /^-?[\d,]+ % \[-?[\d,]+ %, -?[\d,]+ %\]$/);
  assert.match(await text('#incremental-rate'), /\(true: 2\.00 pp\)$/);
  assert.match(await text('#holdout-conclusive'), /^(conclusive|too small to conclude)$/);
  assert.match(await text('#holdout-explanation'), /would have bought anyway/);
  assert.match(await text('#holdout-samples'), /"arm":"control"/);
  await page.screenshot({ path: join(artifacts, 'demo-holdout.png'), fullPage: true });

  // A small run says so; the same seed gives the same figures.
  await fill({ users: '400', seed: '3' });
  await page.click('#run-holdout');
  await page.waitForFunction(() => document.getElementById('holdout-result').dataset.seed === '3');
  assert.equal(await text('#holdout-conclusive'), 'too small to conclude');
  assert.match(await text('#holdout-note'), /^too small to conclude: \d+ control users \(fewer than 1000\)/);

  // Over the cap: refused, naming the field.
  await fill({ users: '1000000' });
  await page.click('#run-holdout');
  await page.waitForFunction(() => document.getElementById('holdout-error').textContent !== '');
  assert.match(await text('#holdout-error'), /^users: 1000000 is outside 1..=20000/);
  assert.equal(await page.locator('#holdout-result').isHidden(), true);
});
