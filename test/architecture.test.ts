import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const CORE = ['estimate', 'regularize', 'constrain', 'layers', 'optim', 'models', 'backend', 'util'];

function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('architecture', () => {
  // src/data: the generators and transforms are browser-safe; only the loaders (load*.ts) read files.
  const core = [...CORE.flatMap((d) => files(join('src', d))), ...files(join('src', 'data')).filter((f) => !/[\\/]load[A-Z]\w*\.ts$/.test(f))];

  it('the library core has no Node-only imports (it must run in a browser)', () => {
    expect(core.length).toBeGreaterThan(5);
    for (const f of core) {
      const src = readFileSync(f, 'utf8');
      expect(src, f).not.toMatch(/from ['"](node:|fs['"]|path['"]|worker_threads|child_process|os['"]|url['"])/);
      expect(src, f).not.toMatch(/require\(/);
      expect(src, f).not.toMatch(/(^|[^.\w])process\.(env|argv|exit|stdout|stderr)/m);
    }
  });

  it('the public entry does not pull in the CLI or file IO', () => {
    const index = readFileSync('src/index.ts', 'utf8');
    expect(index).not.toMatch(/from '\.\/cli\//);
  });

  it('source files stay small (one concept per file, under ~300 lines)', () => {
    for (const f of files('src')) {
      const lines = readFileSync(f, 'utf8').split('\n').length;
      expect(lines, f).toBeLessThanOrEqual(360);
    }
  });
});
