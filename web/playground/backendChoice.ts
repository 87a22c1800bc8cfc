import '@tensorflow/tfjs-backend-webgl';
import { ready, setWasmPaths } from '../../src/backend/ready.js';

/**
 * WebGL when the browser gives a WebGL context (TF.js's WebGL backend), wasm otherwise (the
 * .wasm files are served next to the page under `wasm/`). Returns a sentence for the page.
 */
export async function chooseBackend(): Promise<{ name: string; text: string }> {
  setWasmPaths(new URL('wasm/', location.href).href);
  try {
    const name = await ready({ backend: 'webgl' });
    return { name, text: 'WebGL (GPU)' };
  } catch (e) {
    const why = (e as Error).message.replace(/^\w+: /, '');
    const name = await ready({ backend: 'wasm' });
    return { name, text: `wasm (WebGL unavailable: ${why})` };
  }
}
