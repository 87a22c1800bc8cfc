import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs the CLI from source in a child process, sends SIGINT once it has printed `trigger` on stderr, resolves to its exit. */
function interruptAfter(args: string[], trigger: RegExp, env: NodeJS.ProcessEnv = process.env, beforeKill: () => void = () => undefined): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && trigger.test(stderr)) { sent = true; beforeKill(); child.kill('SIGINT'); }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

describe('Ctrl-C during a study', () => {
  it('stops lipkit study two-moons mid-run and leaves no output directory, complete-looking or partial', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lipkit-interrupt-'));
    try {
      const out = join(root, 'report');
      // default mode runs 15 models; the first progress line means training is under way
      const r = await interruptAfter(['study', 'two-moons', '--report', '--out', out], /\[1\/\d+\] two-moons/);
      expect(r.signal === 'SIGINT' || r.code === 130).toBe(true);
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(root)).toEqual([]);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('stops lipkit demo mid-run and removes its temporary folder (TMPDIR/lipkit-demo-*) and any output', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lipkit-interrupt-demo-'));
    try {
      const tmp = join(root, 'tmp');
      mkdirSync(tmp);
      const out = join(root, 'report');
      let during: string[] = [];
      const r = await interruptAfter(['demo', '--smoke', '--out', out], /\[1\/\d+\] two-moons/, { ...process.env, TMPDIR: tmp, LIPKIT_BACKEND: 'cpu' }, () => { during = readdirSync(tmp).filter((f) => f.startsWith('lipkit-demo-')); });
      expect(r.signal === 'SIGINT' || r.code === 130, r.stderr).toBe(true);
      expect(during.length, 'the demo had made its temporary folder when interrupted').toBe(1);
      expect(readdirSync(tmp).filter((f) => f.startsWith('lipkit-demo-'))).toEqual([]); // (tsx keeps its own cache there)
      expect(existsSync(out)).toBe(false);
      expect(readdirSync(root).sort()).toEqual(['tmp']);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
