/**
 * lipkit's entry under Node (package.json `exports` condition `node`): the same exports as
 * `index.ts`, with the backend selected before any user code runs (wasm by default,
 * `LIPKIT_BACKEND` overrides), as a top-level await. Browsers and bundlers get `index.ts`,
 * which has none, and call `await ready()` instead.
 */
import { ready } from './backend/ready.js';

export * from './index.js';

await ready();
