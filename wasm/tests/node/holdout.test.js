// `journey-attribution/holdout` through the packed tarball: the golden values the Rust tests
// share (tests/fixtures/holdout-golden.json, copied beside this file), and the layout the
// README documents, recomputed with node:crypto.
import test from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { assignArm, exposure, isReady } from 'journey-attribution/holdout';

const golden = JSON.parse(readFileSync(new URL('./holdout-golden.json', import.meta.url), 'utf8'));

// The documented layout: SHA-256 of each string's 4-byte big-endian length and UTF-8 bytes.
function bucket(salt, campaignId, userId) {
  const hash = createHash('sha256');
  for (const s of [salt, campaignId, userId]) {
    const bytes = Buffer.from(s, 'utf8');
    const len = Buffer.alloc(4);
    len.writeUInt32BE(bytes.length);
    hash.update(len).update(bytes);
  }
  return Number(hash.digest().readBigUInt64BE(0) % 10000n);
}

test('assignArm gives the golden arms (the same as the CLI and the Rust core)', () => {
  assert.equal(isReady(), true);
  assert.ok(golden.cases.length >= 20);
  for (const c of golden.cases) {
    if (c.campaign_id === '' || c.user_id === '') continue; // the JS API refuses empty ids
    const arm = assignArm({ campaignId: c.campaign_id, userId: c.user_id, holdoutPercent: c.holdout_percent, salt: c.salt });
    assert.equal(arm, c.arm, JSON.stringify(c));
    assert.equal(bucket(c.salt, c.campaign_id, c.user_id), c.bucket, JSON.stringify(c));
  }
});

test('the share held out is the share asked for, and raising it only adds controls', () => {
  let controls = 0;
  for (let i = 0; i < 20000; i++) {
    const userId = `user-${i}`;
    const at5 = assignArm({ campaignId: 'c-1', userId, holdoutPercent: 5 });
    const at10 = assignArm({ campaignId: 'c-1', userId, holdoutPercent: 10 });
    if (at5 === 'control') assert.equal(at10, 'control');
    if (at10 === 'control') controls++;
  }
  // 10 % of 20,000 within 5 standard deviations (sd ≈ 42.4).
  assert.ok(Math.abs(controls - 2000) < 5 * 42.4, `${controls}`);
});

test('exposure is the line the core writes (the golden exposure), either arm', () => {
  const { assignment: a, line } = golden.exposure;
  const e = exposure({ campaignId: a.campaign_id, userId: a.user_id, holdoutPercent: a.holdout_percent, label: a.label, salt: a.salt, assignedAt: new Date(a.assigned_at) });
  assert.deepEqual(e, line);
  assert.deepEqual(Object.keys(e), Object.keys(line), 'the same fields in the same order');
  const control = golden.cases.find((c) => c.arm === 'control' && c.user_id !== '' && c.campaign_id !== '');
  const bare = exposure({ campaignId: control.campaign_id, userId: control.user_id, holdoutPercent: control.holdout_percent, salt: control.salt, assignedAt: 0 });
  assert.equal(bare.arm, 'control');
  assert.equal(bare.assigned_at, '1970-01-01T00:00:00.000Z');
  assert.equal('campaign' in bare, false);
});

test('bad arguments are named', () => {
  assert.throws(() => assignArm({ campaignId: 'c', userId: 'u', holdoutPercent: 0.1 + 0.2 }), /`0.30000000000000004` is not a percentage from 0 to 100 with at most two decimals/);
  assert.throws(() => assignArm({ campaignId: 'c', userId: 'u', holdoutPercent: 101 }), /not a percentage/);
  assert.throws(() => assignArm({ campaignId: 'c', holdoutPercent: 10 }), /userId must be a non-empty string/);
  assert.throws(() => assignArm({ campaignId: 'c', userId: 'u' }), /holdoutPercent must be a number/);
});
