import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs the CLI from source in a child process, sends SIGINT once it has printed `trigger` on stderr, resolves to its exit. */
function interruptAfter(args: string[], trigger: RegExp): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (!sent && trigger.test(stderr)) { sent = true; child.kill('SIGINT'); }
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
});
