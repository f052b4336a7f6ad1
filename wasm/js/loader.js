// The loading state of one WebAssembly module of the package: `ready` settles once the
// entry point has instantiated it (asynchronously in browsers, synchronously in Node).
/**
 * @internal
 * @param {string} what the module's name in messages (`''` for the stamping module)
 */
export function loader(what) {
  /** @type {'loading' | 'ready' | 'failed'} */
  let state = 'loading';
  /** @type {Error | undefined} */
  let failure;
  /** @type {{ resolve: () => void, reject: (error: Error) => void }} */
  let settle = { resolve: () => {}, reject: () => {} };
  /** @type {Promise<void>} */
  const ready = new Promise((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Awaiting `ready` still sees a rejection; not awaiting it must not log an unhandled one.
  ready.catch(() => {});
  return {
    ready,
    isReady: () => state === 'ready',
    /**
     * Called once by the browser entry point with the instantiation promise.
     * @param {unknown} instantiation
     */
    start(instantiation) {
      Promise.resolve(instantiation).then(
        () => {
          state = 'ready';
          settle.resolve();
        },
        (error) => {
          state = 'failed';
          failure = new Error(`journey-attribution: the WebAssembly module${what} failed to load: ${error?.message ?? error}`, { cause: error });
          settle.reject(failure);
        },
      );
    },
    /** Called once by the Node entry point, which instantiated the module synchronously. */
    startedSync() {
      state = 'ready';
      settle.resolve();
    },
    /**
     * Throws unless the module can be called.
     * @param {string} hint
     */
    check(hint) {
      if (state === 'ready') return;
      if (state === 'failed') throw failure;
      throw new Error(`journey-attribution: the WebAssembly module${what} is not initialised yet; await \`ready\`${hint}`);
    },
  };
}
