// buildReport's throughput on an export (the `journey-attribution/report` module), median
// of R rounds. Usage (from a project with the tarball installed):
//   node report.bench.mjs <file.ndjson> [R]
// The file: e.g. `scripts/gen-events.py --out DIR --size-mb 20 --files 1 --shapes pinpoint,nested,flat`.
import { readFileSync } from 'node:fs';
import { buildReport } from 'journey-attribution/report';

const [file, roundsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: node report.bench.mjs <file.ndjson> [rounds]');
const text = readFileSync(file, 'utf8');
const rounds = Number(roundsArg ?? 5);
const options = { goals: ['purchase'], revenueMetric: 'revenue' };
const ms = [];
let report;
for (let r = 0; r < rounds; r += 1) {
  const t0 = process.hrtime.bigint();
  report = buildReport(text, options, []);
  ms.push(Number(process.hrtime.bigint() - t0) / 1e6);
}
if (!(report.lines > 0 && report.campaigns.length > 0)) throw new Error('no report');
const median = [...ms].sort((a, b) => a - b)[Math.floor(ms.length / 2)];
const mb = Buffer.byteLength(text) / 1e6;
console.log(JSON.stringify({
  node: process.version, mb: Number(mb.toFixed(1)), lines: report.lines, rounds,
  medianMs: Math.round(median), mbPerS: Number((mb / (median / 1000)).toFixed(1)),
}));
