import { beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { runCli } from '../../src/cli/runCli.js';
import { PLAYGROUND_CSP, playgroundDirectory } from '../../src/cli/playgroundCommand.js';
import { buildPlayground } from '../../scripts/bundle.js';

function capture(): { io: { stdout: (t: string) => void; stderr: (t: string) => void }; out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { stdout: (t) => out.push(t), stderr: (t) => err.push(t) }, out, err };
}

describe('lipkit playground', () => {
  beforeAll(async () => {
    // `npm run build` makes dist/playground; build it here if this checkout has not been built.
    try {
      playgroundDirectory();
    } catch {
      await buildPlayground('dist/playground');
    }
  });

  it('serves the built page from 127.0.0.1 with a same-origin-only policy, and stops on SIGINT', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'playground', '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const url = await new Promise<string>((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (d: Buffer) => {
        text += d.toString();
        const m = /open (http:\/\/127\.0\.0\.1:\d+\/)/.exec(text);
        if (m) resolve(m[1]);
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}: ${stderr}`)));
    });
    try {
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-security-policy')).toBe(PLAYGROUND_CSP);
      expect(await page.text()).toMatch(/<script src="playground.js">/);
      const script = await fetch(new URL('playground.js', url));
      expect(script.status).toBe(200);
      expect(Number(script.headers.get('content-length'))).toBeGreaterThan(100_000);
      expect((await fetch(new URL('wasm/tfjs-backend-wasm-simd.wasm', url))).headers.get('content-type')).toBe('application/wasm');
      expect((await fetch(new URL('../../package.json', url))).status).toBe(404);
      expect((await fetch(new URL('%2e%2e/%2e%2e/package.json', url))).status).toBe(404);
    } finally {
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      child.kill('SIGINT');
      expect(await exited).toBe(0);
    }
  });

  it('a port out of range or not a number: one line, exit 2', async () => {
    for (const port of ['70000', '-1', 'abc', '80.5']) {
      const c = capture();
      expect(await runCli(['playground', '--port', port], c.io)).toBe(2);
      expect(c.err.join('')).toMatch(/^lipkit: --port: expected a port number 0-65535/);
      expect(c.err.join('').trim().split('\n')).toHaveLength(1);
    }
  });

  it('a port in use: one line, exit 2', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const c = capture();
      expect(await runCli(['playground', '--port', String(port)], c.io)).toBe(2);
      expect(c.err.join('')).toBe(`lipkit: --port: port ${port} on 127.0.0.1 is already in use\n`);
    } finally {
      blocker.close();
    }
  });
});
