// stampEvent ns/event beside a plain-JS function doing the same object copy, same run.
// Usage (from a project with the tarball installed): node stamp.bench.mjs [N]
import { stampEvent } from 'journey-attribution';

const N = Number(process.argv[2] ?? 200_000);
const token = `ja1|app|j-1|1|${Math.floor(Date.now() / 1000) + 3600}|Spring sale`;
const event = { name: 'purchase', attributes: { sku: 'a-1', color: 'red' }, metrics: { revenue: 42 } };
const now = Date.now();
// What stamping amounts to when the answer is already known: a copy plus two attributes.
const plainCopy = (e) => ({ ...e, attributes: { ...e.attributes, campaign: 'Spring sale', campaign_id: 'j-1' } });

function nsPerCall(fn) {
  let sink;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < N; i += 1) sink = fn(event, token, now);
  const ns = Number(process.hrtime.bigint() - t0) / N;
  if (!sink.attributes.campaign) throw new Error('not stamped');
  return ns;
}

const rounds = { wasm: [], js: [] };
for (let r = 0; r < 7; r += 1) {
  rounds.wasm.push(nsPerCall(stampEvent));
  rounds.js.push(nsPerCall(plainCopy));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const out = { node: process.version, n: N, stampEventNs: Math.round(median(rounds.wasm)), plainCopyNs: Math.round(median(rounds.js)) };
console.log(JSON.stringify(out));
