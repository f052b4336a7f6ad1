// How the wrappers tell the app what went wrong: never by throwing into it. A hook that
// throws is ignored, since it must not cost the event (or the tracking).

/**
 * @param {string} reason
 * @param {string} detail
 */
export function message(reason, detail) {
  return new Error(`journey-attribution: ${reason}: ${detail}`);
}

/**
 * `onError(reason, error)`, guarded.
 * @param {((reason: import('./index.js').FailureReason, error: unknown) => void) | undefined} onError
 * @returns {(reason: import('./index.js').FailureReason, error: unknown) => void}
 */
export function reporter(onError) {
  return (reason, error) => {
    try {
      onError?.(reason, error);
    } catch {
      // A failing hook must not cost the event.
    }
  };
}
