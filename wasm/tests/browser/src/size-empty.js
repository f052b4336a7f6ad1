// An empty module, dynamically imported by size-entry-baseline.js.
export const empty = true;
