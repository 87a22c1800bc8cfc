/**
 * lipkit: measure, regularize, constrain and certify the Lipschitz smoothness of
 * neural networks, on TensorFlow.js.
 */
import { installBackendFixes } from './backend/installBackendFixes.js';
import { isNode, setBackend } from './backend/setBackend.js';

installBackendFixes();
// In Node, pick the backend (wasm by default, LIPKIT_BACKEND overrides) before any user code runs.
if (isNode()) await setBackend();

export { setBackend, backendName, isNode } from './backend/setBackend.js';
export type { BackendName } from './backend/setBackend.js';
export { installBackendFixes } from './backend/installBackendFixes.js';
export { LipkitError } from './util/errors.js';
