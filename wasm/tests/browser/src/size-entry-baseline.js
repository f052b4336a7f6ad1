// Vite's own runtime for a dynamic import (its preload helper), which the package's lazy
// landing module brings into an app that has none yet: measured alone by size-budget.mjs
// and subtracted, so the budget counts the package's JS.
import('./size-empty.js').then((m) => {
  window.sizeBaseline = m;
});
