import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** Runs the real executable entry (src/cli/main.ts through tsx), as `lipkit` would run from dist/. */
function lipkit(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
    encoding: 'utf8', env: { ...process.env, LIPKIT_BACKEND: 'cpu' }, timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('lipkit executable (spawned)', () => {
  it('certify --json succeeds with exit status 0 and prints one JSON object', () => {
    const r = lipkit('certify', 'examples/models/mlp/model.json', '--json', '--no-lower-bound');
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { upperBound: number; certified: boolean; backend: string };
    expect(report.upperBound).toBeGreaterThan(0);
    expect(report.certified).toBe(true);
    expect(report.backend).toBe('cpu');
  });

  it('a missing model file and a bad flag exit with status 2, one stderr line, no stack trace', () => {
    for (const args of [['certify', 'no/such/model.json'], ['certify', 'examples/models/mlp/model.json', '--steps', 'many']]) {
      const r = lipkit(...args);
      expect(r.status).toBe(2);
      expect(r.stdout).toBe('');
      expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/^lipkit: /);
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
