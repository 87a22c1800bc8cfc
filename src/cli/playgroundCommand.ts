import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command } from 'commander';
import { LipkitError } from '../util/errors.js';
import { checkPort, serveStatic, type StaticServer } from './staticServer.js';
import type { CliIO } from './runCli.js';

/** Default port of `lipkit playground`. */
export const PLAYGROUND_PORT = 8765;

/**
 * The page may load only from its own origin (no request leaves the machine): scripts and
 * wasm from 127.0.0.1, images and downloads from data:/blob: URLs the page makes itself.
 */
export const PLAYGROUND_CSP = [
  "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:", "connect-src 'self' data: blob:", "worker-src 'self' blob:",
  "object-src 'none'", "base-uri 'none'", "form-action 'none'",
].join('; ');

/** The folder of the built page (`npm run build` writes dist/playground/ from web/playground/). */
export function playgroundDirectory(): string {
  for (const rel of ['../playground/', '../../dist/playground/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}index.html`) && existsSync(`${dir}playground.js`)) return dir;
  }
  throw new LipkitError('playground', 'the page is not built: run `npm run build` (it bundles web/playground into dist/playground)');
}

/** Serves the playground page on 127.0.0.1:`port` (0: a free port). */
export function servePlayground(port: number): Promise<StaticServer> {
  return serveStatic({ port, portName: '--port', routes: { '/': playgroundDirectory() }, headers: { 'Content-Security-Policy': PLAYGROUND_CSP } });
}

/**
 * `lipkit playground [--port P]`: serves the playground page from 127.0.0.1 only and runs until
 * interrupted (Ctrl-C). A bad or busy port prints one line and exits with status 2.
 */
export function playgroundCommand(io: CliIO, untilStopped: () => Promise<void> = waitForSignal): Command {
  return new Command('playground')
    .description('train a small network in your browser and watch its smoothness (serves a page on 127.0.0.1)')
    .option('--port <port>', 'port on 127.0.0.1 (0: any free port)', String(PLAYGROUND_PORT))
    .action(async (flags: { port: string }) => {
      const port = checkPort('--port', flags.port);
      const server = await servePlayground(port);
      io.stdout(`lipkit playground: open ${server.url} (served from 127.0.0.1 only; Ctrl-C stops it)\n`);
      try {
        await untilStopped();
      } finally {
        await server.close();
      }
    });
}

function waitForSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}
