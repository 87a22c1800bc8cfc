// Browser bundles, built by `npm run build` (esbuild):
//   dist/browser/lipkit.js        lipkit as one ES module (no top-level await; call `await ready()`)
//   dist/browser/lipkit.iife.js   the same as a classic script defining the global `lipkit`
//   dist/browser/wasm/*.wasm      tfjs-backend-wasm's binaries (point `ready({ wasmPaths })` at them)
//   dist/playground/              the `lipkit playground` page (web/playground), its bundle and wasm files
// Usage: tsx scripts/bundle.ts [outDir=dist]
import { build, type BuildOptions, type Plugin } from 'esbuild';
import { createRequire } from 'node:module';
import { copyFileSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Current browsers (no top-level await needed; ES2020 is what every current engine runs). */
export const BROWSER_TARGET = ['chrome100', 'firefox100', 'safari15', 'edge100'];

const COMMON: BuildOptions = {
  bundle: true, platform: 'browser', target: BROWSER_TARGET, minify: true, sourcemap: false,
  legalComments: 'none', logLevel: 'error',
};

/** Copies tfjs-backend-wasm's three .wasm files into `dir`. */
export function copyWasm(dir: string): string[] {
  const from = join(ROOT, 'node_modules', '@tensorflow', 'tfjs-backend-wasm', 'dist');
  mkdirSync(dir, { recursive: true });
  const files = readdirSync(from).filter((f) => f.endsWith('.wasm'));
  for (const f of files) copyFileSync(join(from, f), join(dir, f));
  return files;
}

/** Bundles the library (src/index.ts) as ESM and as IIFE (global `lipkit`) into `outDir`; returns the file sizes in bytes. */
export async function bundleLibrary(outDir: string): Promise<{ esm: number; iife: number }> {
  const entry = join(ROOT, 'src', 'index.ts');
  const esm = join(outDir, 'lipkit.js');
  const iife = join(outDir, 'lipkit.iife.js');
  await build({ ...COMMON, entryPoints: [entry], format: 'esm', outfile: esm });
  await build({ ...COMMON, entryPoints: [entry], format: 'iife', globalName: 'lipkit', outfile: iife });
  copyWasm(join(outDir, 'wasm'));
  return { esm: statSync(esm).size, iife: statSync(iife).size };
}

/** Bundles one page script (TypeScript entry) as an IIFE. */
export async function bundlePage(entry: string, outfile: string, minify = true): Promise<number> {
  await build({ ...COMMON, minify, entryPoints: [entry], format: 'iife', outfile });
  return statSync(outfile).size;
}

const WEBGL = '@tensorflow/tfjs-backend-webgl';

/** Without the (dev) WebGL package installed, the page is built without it (it then runs on wasm and says why). */
function withoutWebgl(): Plugin[] {
  try {
    createRequire(import.meta.url).resolve(WEBGL);
    return [];
  } catch {
    console.warn(`bundle: ${WEBGL} is not installed (npm install): the playground is built without WebGL`);
    return [{
      name: 'no-webgl',
      setup(b) {
        b.onResolve({ filter: /^@tensorflow\/tfjs-backend-webgl$/ }, () => ({ path: WEBGL, namespace: 'missing' }));
        b.onLoad({ filter: /.*/, namespace: 'missing' }, () => ({ contents: '' }));
      },
    }];
  }
}

/** Builds the playground page into `outDir` (index.html, playground.js, wasm/). */
export async function buildPlayground(outDir: string): Promise<number> {
  const web = join(ROOT, 'web', 'playground');
  mkdirSync(outDir, { recursive: true });
  copyFileSync(join(web, 'index.html'), join(outDir, 'index.html'));
  copyWasm(join(outDir, 'wasm'));
  const outfile = join(outDir, 'playground.js');
  await build({ ...COMMON, entryPoints: [join(web, 'main.ts')], format: 'iife', outfile, plugins: withoutWebgl() });
  return statSync(outfile).size;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const out = resolve(process.argv[2] ?? join(ROOT, 'dist'));
  const lib = await bundleLibrary(join(out, 'browser'));
  const page = await buildPlayground(join(out, 'playground'));
  const kb = (n: number): string => `${(n / 1024).toFixed(0)} KB`;
  console.log(`bundles: dist/browser/lipkit.js ${kb(lib.esm)}, lipkit.iife.js ${kb(lib.iife)}, playground.js ${kb(page)}`);
}
