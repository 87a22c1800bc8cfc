import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Files of src/report that touch the file system or the process; everything else must run in a browser. */
const NODE_ONLY = ['writeStudyFiles.ts', 'checkOutputDirectory.ts', 'interruptCleanup.ts', 'outputMarker.ts'];

describe('src/report in a browser', () => {
  it('only the writers import Node modules or use the process', () => {
    const files = readdirSync('src/report').filter((f) => f.endsWith('.ts') && !NODE_ONLY.includes(f));
    expect(files).toContain('renderFigure.ts');
    expect(files).toContain('reportHtml.ts');
    for (const f of files) {
      const src = readFileSync(join('src/report', f), 'utf8');
      expect(src, f).not.toMatch(/from ['"](node:|fs['"]|path['"]|os['"]|url['"]|child_process|worker_threads)/);
      expect(src, f).not.toMatch(/(^|[^.\w])process\./m);
      for (const m of src.matchAll(/from '\.\/(\w+)\.js'/g)) expect(NODE_ONLY, `${f} imports ${m[1]}`).not.toContain(`${m[1]}.ts`);
    }
  });
});
