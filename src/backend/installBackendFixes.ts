let installed = false;

/**
 * Installs lipkit's fixes to TF.js 4.22 (exact second-order gradients, fast and
 * complete wasm gradients). Idempotent; called when lipkit is imported.
 */
export function installBackendFixes(): void {
  if (installed) return;
  installed = true;
  // The individual fixes are registered here (see the modules in this folder).
}
