// Plain Vite: no wasm plugin. The package's browser entry loads its .wasm through
// `new URL(..., import.meta.url)`, which Vite turns into an emitted asset.
export default {
  build: { target: 'es2022', emptyOutDir: true },
  optimizeDeps: { exclude: ['journey-attribution'] },
  logLevel: 'warn',
};
