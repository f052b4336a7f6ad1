// The one way the wrappers hear that who is signed in, or their token, may have changed:
// Amplify Hub 'auth' events (in this tab) and `storage` events on Amplify's stored tokens
// (another tab signed in, out, or refreshed: Hub events reach only the tab they happen in).

/** Hub 'auth' events after which the token may have changed: v6 names, then v5's. */
export const TOKEN_EVENTS = new Set([
  'signedIn',
  'signedOut',
  'tokenRefresh',
  'tokenRefresh_failure',
  'signInWithRedirect',
  'userAttributesUpdated',
  'signIn',
  'signOut',
  'autoSignIn',
  'updateUserAttributes',
]);

/** Hub 'auth' events of a sign-out: v6, then v5. */
export const SIGN_OUT_EVENTS = new Set(['signedOut', 'signOut']);

// Amplify keeps the tokens in localStorage under this prefix.
const TOKEN_STORAGE_PREFIX = 'CognitoIdentityServiceProvider.';

/**
 * Calls `onChange` on the Hub 'auth' events in `events` and, with `otherTabs`, when another
 * tab changes Amplify's stored tokens. Returns the function that stops listening.
 * @param {import('./index.js').HubLike | undefined} hub
 * @param {Set<string>} events
 * @param {() => unknown} onChange
 * @param {boolean} otherTabs
 * @returns {() => void}
 */
export function onAuthChange(hub, events, onChange, otherTabs) {
  const stopHub =
    hub && typeof hub.listen === 'function'
      ? hub.listen('auth', (capsule) => {
          if (events.has(capsule?.payload?.event)) onChange();
        })
      : undefined;
  /** @param {Event & { key?: string | null }} event */
  const onStorage = (event) => {
    if (event?.key == null || String(event.key).startsWith(TOKEN_STORAGE_PREFIX)) onChange();
  };
  const target = otherTabs && typeof globalThis.addEventListener === 'function' ? globalThis : undefined;
  target?.addEventListener('storage', onStorage);
  return () => {
    if (typeof stopHub === 'function') stopHub();
    target?.removeEventListener('storage', onStorage);
  };
}
