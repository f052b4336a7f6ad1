// Size budgets of what a web app downloads, measured on built artefacts, which
// are deterministic: fails when one is over. Usage (from this folder, with the packed
// tarball installed): PKG=<installed package dir> OUT=<json file> node size-budget.mjs
//
// - the stamping .wasm, gzip -9, as the package ships it;
// - the JS an app imports for stamping (glue + core + wrappers), as a real bundler emits it:
//   a Vite production build of an entry importing the wrappers, minified, gzip -9;
// - the report .wasm (journey-attribution/report), gzip -9.
import { build } from 'vite';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import assert from 'node:assert/strict';

const PKG = process.env.PKG;
const OUT = process.env.OUT;
assert.ok(PKG, 'set PKG');

const BUDGETS = {
  // Every page loads it: 12 KB, the per-event landing merge included (the link parser is
  // the landing module, fetched only by pages whose address carries a link).
  stampingWasmGzip: 12_288,
  // 6 KB for the record wrappers (autoTrackAttributed, imported on its own, is measured
  // beside them: `autoTrackJsGzip`).
  stampingJsGzip: 6_144,
  // Only a report page loads it: 102 KB with lift and the counting rules (BENCHMARKS.md,
  // "Lift").
  reportWasmGzip: 104_448,
};

const gzip = (bytes) => gzipSync(bytes, { level: 9 }).length;

async function bundledJs(entryFile) {
  const root = await mkdtemp(join(tmpdir(), 'ja-size-'));
  try {
    const entry = join(process.cwd(), 'src', entryFile);
    await build({
      configFile: false,
      logLevel: 'warn',
      root: process.cwd(),
      build: {
        outDir: root,
        emptyOutDir: true,
        target: 'es2022',
        minify: true,
        modulePreload: false,
        rollupOptions: { input: entry },
      },
    });
    const assets = join(root, 'assets');
    const files = await readdir(assets);
    // The entry chunk and what it imports statically; the landing module's chunk and
    // .wasm are loaded on demand (dynamic import) and measured apart.
    let js = 0;
    let wasm = 0;
    for (const f of files) {
      const bytes = await readFile(join(assets, f));
      if (f.includes('landing')) continue;
      if (f.endsWith('.js')) js += gzip(bytes);
      if (f.endsWith('.wasm')) wasm += gzip(bytes);
    }
    assert.ok(js > 0, `the build emitted JS: ${files.join(', ')}`);
    return { js, wasm };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

const viteRuntime = (await bundledJs('size-entry-baseline.js')).js;
const bundled = await bundledJs('size-entry.js');
const withAutoTrack = await bundledJs('size-entry-autotrack.js');
const sizes = {
  stampingWasmGzip: gzip(await readFile(join(PKG, 'journey_attribution_wasm_bg.wasm'))),
  // The package's JS: the bundle less Vite's dynamic-import runtime (an app with any lazy
  // route has it already).
  stampingJsGzip: bundled.js - viteRuntime,
  autoTrackJsGzip: withAutoTrack.js - viteRuntime,
  viteDynamicImportRuntimeGzip: viteRuntime,
  reportWasmGzip: gzip(await readFile(join(PKG, 'journey_attribution_report_bg.wasm'))),
  validateWasmGzip: gzip(await readFile(join(PKG, 'journey_attribution_validate_bg.wasm'))),
  landingWasmGzip: gzip(await readFile(join(PKG, 'journey_attribution_landing_bg.wasm'))),
};
assert.equal(bundled.wasm, sizes.stampingWasmGzip, 'the bundle ships the package\'s stamping .wasm as it is');
console.log(JSON.stringify({ sizes, budgets: BUDGETS }));
if (OUT) await writeFile(OUT, JSON.stringify({ sizes, budgets: BUDGETS }, null, 2));
const over = Object.entries(BUDGETS).filter(([k, budget]) => sizes[k] > budget);
for (const [k, budget] of over) console.error(`over budget: ${k} = ${sizes[k]} B > ${budget} B`);
process.exitCode = over.length ? 1 : 0;
