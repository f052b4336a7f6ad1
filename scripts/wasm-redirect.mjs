// node scripts/wasm-redirect.mjs <in.wasm> <out.wasm> <from> <to>
//
// Replaces the body of the one function named <from> (a regular expression over the name
// section's names) with a call to the one function named <to>, which must take and return
// the same types; wasm-opt then drops whatever only <from> reached. The idea of wasm-snip
// (github.com/rustwasm/wasm-snip), which cannot read the modules Rust >= 1.82 emits
// (reference types), done with binaryen.js, and a forward instead of an `unreachable`: if a
// caller that build-npm.sh's reasoning missed does reach <from>, it still gets an answer.
//
// Used by scripts/build-npm.sh on the report module: `<f64 as Display>::fmt` ->
// `<Decimal as Display>::fmt` (core/src/report/decimal.rs says why; same argument layout,
// Decimal being a transparent f64; Decimal ignores width and precision, which the module
// never asks of a float). Fails, so the build fails, when a name matches no function or
// several, or when the signatures differ.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const tools = new URL('../tools/node_modules/binaryen/index.js', import.meta.url);
const { default: binaryen } = await import(fileURLToPath(tools));

const [input, output, from, to] = process.argv.slice(2);
if (!to) {
  console.error('usage: wasm-redirect.mjs <in.wasm> <out.wasm> <from regex> <to regex>');
  process.exit(2);
}

// Names kept on the way through (set before reading): wasm-opt strips them after optimising.
binaryen.setDebugInfo(true);
const mod = binaryen.readBinary(readFileSync(input));
// The features are the module's own (its target_features section, which binaryen reads):
// not `Features.All`, with which it would be written in encodings Node 20 cannot read.

const find = (pattern) => {
  const re = new RegExp(pattern);
  const found = [];
  for (let i = 0; i < mod.getNumFunctions(); i++) {
    const f = mod.getFunctionByIndex(i);
    const info = binaryen.getFunctionInfo(f);
    if (info.body && re.test(info.name)) found.push({ f, info });
  }
  if (found.length !== 1) {
    const names = found.map((x) => x.info.name).join(', ') || 'none';
    throw new Error(`${input}: /${pattern}/ must name one defined function, names ${names}`);
  }
  return found[0];
};

const source = find(from);
const target = find(to);
if (source.info.params !== target.info.params || source.info.results !== target.info.results) {
  throw new Error(`${input}: ${source.info.name} and ${target.info.name} differ in signature`);
}
const args = binaryen.expandType(source.info.params).map((type, i) => mod.local.get(i, type));
binaryen.Function.setBody(source.f, mod.return(mod.call(target.info.name, args, source.info.results)));
if (!mod.validate()) throw new Error(`${input}: invalid after redirecting ${source.info.name}`);

writeFileSync(output, mod.emitBinary());
console.error(`[wasm-redirect] ${source.info.name} -> ${target.info.name}`);
