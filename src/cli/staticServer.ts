import { createServer, type Server } from 'node:http';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { LipkitError } from '../util/errors.js';

/** The one address lipkit's servers listen on: nothing is served beyond this machine. */
export const LOOPBACK = '127.0.0.1';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.wasm': 'application/wasm', '.bin': 'application/octet-stream',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.map': 'application/json',
};

/** Options of `serveStatic`. */
export interface StaticServerOptions {
  /** URL prefix (starting and ending with `/`) -> folder served under it. `/` serves `index.html` for `/`. */
  routes: Record<string, string>;
  /** Port on 127.0.0.1; 0 picks a free one. */
  port: number;
  /** Extra response headers (e.g. a Content-Security-Policy). */
  headers?: Record<string, string>;
  /** Flag named in errors about the port (default `port`). */
  portName?: string;
}

/** A running server: its base URL (`http://127.0.0.1:PORT/`) and a way to stop it. */
export interface StaticServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Checks a port number: an integer in 0..65535 (0: any free port). */
export function checkPort(name: string, port: unknown): number {
  const n = typeof port === 'string' && /^\d+$/.test(port.trim()) ? Number(port) : port;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65535) {
    throw new LipkitError(name, `expected a port number 0-65535 (0: any free port), got ${JSON.stringify(port)}`);
  }
  return n;
}

async function resolveFile(routes: Record<string, string>, urlPath: string): Promise<string | null> {
  let path: string;
  try {
    path = decodeURIComponent(urlPath.split('?')[0]);
  } catch {
    return null;
  }
  const prefix = Object.keys(routes).filter((p) => path.startsWith(p)).sort((a, b) => b.length - a.length)[0];
  if (prefix === undefined) return null;
  const root = normalize(routes[prefix]);
  const rest = path.slice(prefix.length) || 'index.html';
  const file = normalize(join(root, rest));
  if (file !== root && !file.startsWith(root.endsWith(sep) ? root : root + sep)) return null;
  try {
    return (await stat(file)).isFile() ? file : null;
  } catch {
    return null;
  }
}

/**
 * Serves folders read-only over HTTP on 127.0.0.1 only (GET and HEAD; no directory listings,
 * no paths outside the folders). A port in use or not permitted is a `LipkitError` naming
 * `portName`.
 */
export async function serveStatic(options: StaticServerOptions): Promise<StaticServer> {
  const portName = options.portName ?? 'port';
  const port = checkPort(portName, options.port);
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD' }).end();
        return;
      }
      const file = await resolveFile(options.routes, req.url ?? '/');
      if (file === null) {
        res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('not found');
        return;
      }
      const body = await readFile(file);
      res.writeHead(200, {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Length': body.length,
        'Cache-Control': 'no-store',
        ...options.headers,
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    })().catch(() => { if (!res.headersSent) res.writeHead(500).end(); else res.end(); });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new LipkitError(portName, `port ${port} on ${LOOPBACK} is already in use`));
      else if (e.code === 'EACCES') reject(new LipkitError(portName, `port ${port} on ${LOOPBACK} is not permitted (${e.code})`));
      else reject(e);
    });
    server.listen(port, LOOPBACK, () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://${LOOPBACK}:${actual}/`,
    port: actual,
    close: () => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
}
