import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkOutputDirectory } from '../../src/report/checkOutputDirectory.js';
import { writeStudyFiles } from '../../src/report/writeStudyFiles.js';
import { OUTPUT_MARKER, OUTPUT_SIGNATURE } from '../../src/report/outputMarker.js';
import type { Json } from '../../src/studies/study.js';
import { expectError } from '../expectLipkitError.js';
import { expectAsyncError } from './expectAsyncError.js';
import { syntheticCertify, syntheticMoons } from './syntheticOutputs.js';

let root: string;
beforeAll(() => { root = mkdtempSync(join(tmpdir(), 'lipkit-report-test-')); });
afterAll(() => { rmSync(root, { recursive: true, force: true }); });

/** Asserts that `fn` throws a LipkitError('--out') whose message matches `message`, in one line. */
function expectOutError(fn: () => unknown, message: RegExp): void {
  expectError(fn, '--out');
  try { fn(); } catch (e) {
    expect((e as Error).message).toMatch(message);
    expect((e as Error).message).not.toContain('\n');
  }
}

/** Entries of `root` other than `keep`: partial or old directories left behind. */
function leftovers(name: string): string[] {
  return readdirSync(root).filter((f) => f.startsWith(`${name}.`));
}

describe('writeStudyFiles', () => {
  it('writes results.json, results.md and one SVG per figure; index.html only with report: true', async () => {
    const dir = join(root, 'one');
    const out = syntheticCertify();
    const { files } = await writeStudyFiles([out], dir);
    expect(files.map((f) => f.slice(dir.length + 1))).toEqual([
      'figures/certify-synthetic-per-layer.svg', 'figures/certify-synthetic-lipschitz-vs-accuracy.svg', 'figures/certify-synthetic-frequency-error.svg',
      'results.md', 'results.json',
    ]);
    expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'))).toEqual(out);
    expect(readFileSync(join(dir, 'results.md'), 'utf8')).toContain('# Certified vs empirical');
    expect(readFileSync(files[0], 'utf8')).toMatch(/^<svg[\s\S]*aria-roledescription="axis"[\s\S]*<\/svg>$/);
    expect(existsSync(join(dir, 'index.html'))).toBe(false);
    expect(leftovers('one')).toEqual([]);
  });

  it('writes extra files under models/ (text and bytes) and refuses paths outside it', async () => {
    const dir = join(root, 'extra');
    const bytes = Uint8Array.from([0, 1, 2, 255]);
    const { files } = await writeStudyFiles([syntheticCertify()], dir, { extraFiles: [{ path: 'models/m/model.json', content: '{"a":1}' }, { path: 'models/m/weights.bin', content: bytes }] });
    expect(files.map((f) => f.slice(dir.length + 1))).toContain('models/m/weights.bin');
    expect(readFileSync(join(dir, 'models/m/model.json'), 'utf8')).toBe('{"a":1}');
    expect(Uint8Array.from(readFileSync(join(dir, 'models/m/weights.bin')))).toEqual(bytes);
    // A previous output with models/ is lipkit's own and may be replaced.
    await writeStudyFiles([syntheticCertify()], dir);
    expect(existsSync(join(dir, 'models'))).toBe(false);
    for (const bad of ['../x', 'models/../../x', 'figures/a.svg', '/tmp/x', 'models/', 'models//a']) {
      await expectAsyncError(writeStudyFiles([syntheticCertify()], dir, { extraFiles: [{ path: bad, content: 'x' }] }), 'options.extraFiles[0].path');
    }
    await expectAsyncError(writeStudyFiles([syntheticCertify()], dir, { extraFiles: [{ path: 'models/a', content: 3 as never }] }), 'options.extraFiles[0].content');
    expect(leftovers('extra')).toEqual([]);
  });

  it('writes several studies as { studies }, with the report, replacing the previous output', async () => {
    const dir = join(root, 'two');
    await writeStudyFiles([syntheticCertify()], dir);
    const outputs = [syntheticMoons(), syntheticCertify()];
    const { files } = await writeStudyFiles(outputs, join(root, 'sub', '..', 'two'), { report: true, title: 'Tour', version: '1.2.3' });
    expect(files[files.length - 1]).toBe(join(dir, 'index.html'));
    expect(JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8'))).toEqual({ studies: outputs });
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    expect(html.match(/<figure class="lipkit-figure"/g)?.length).toBe(5);
    expect(html).toContain('by lipkit 1.2.3');
    expect(readdirSync(join(dir, 'figures'))).toHaveLength(5);
    expect(leftovers('two')).toEqual([]);
    // a third run with a single study: the old figures are gone with the old output
    await writeStudyFiles([syntheticMoons()], dir, { report: true });
    expect(readdirSync(join(dir, 'figures')).sort()).toEqual(['moons-synthetic-bound-curves.svg', 'moons-synthetic-decision-surfaces.svg']);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toMatch(/by lipkit \d+\.\d+\.\d+/); // package.json's version
  });

  it('fails midway without touching the previous output and leaves no partial directory', async () => {
    const dir = join(root, 'midway');
    await writeStudyFiles([syntheticCertify()], dir, { report: true });
    const before = readFileSync(join(dir, 'index.html'), 'utf8');
    const bad = syntheticMoons();
    bad.records = [{ big: 10n } as unknown as Json]; // JSON.stringify throws after the figures and results.md are written
    await expect(writeStudyFiles([bad], dir, { report: true })).rejects.toThrow(/BigInt/);
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe(before);
    expect(readdirSync(join(dir, 'figures')).every((f) => f.startsWith('certify-synthetic-'))).toBe(true);
    expect(leftovers('midway')).toEqual([]);
    // fresh directory: nothing at all
    const fresh = join(root, 'fresh');
    await expect(writeStudyFiles([bad], fresh, { report: true })).rejects.toThrow(/BigInt/);
    expect(existsSync(fresh)).toBe(false);
    expect(leftovers('fresh')).toEqual([]);
  });

  it('renders before creating anything: a bad figure leaves no directory', async () => {
    const bad = syntheticMoons();
    bad.figures[0] = { ...bad.figures[0], spec: { data: { url: 'https://example.com/a.json' }, mark: 'point' } };
    const dir = join(root, 'badfig');
    await expectAsyncError(writeStudyFiles([bad], dir, { report: true }), 'outputs[0].figures[0].spec.data');
    expect(existsSync(dir)).toBe(false);
    expect(leftovers('badfig')).toEqual([]);
  });

  it('on SIGINT while writing (with a listener of the app), removes the partial directory and rejects', async () => {
    const appListener = (): void => { /* the app decides; here: keep running */ };
    process.on('SIGINT', appListener);
    try {
      const out = syntheticCertify();
      out.records = [{ toJSON: () => { process.kill(process.pid, 'SIGINT'); return 1; } } as unknown as Json];
      const dir = join(root, 'sigint');
      await expect(writeStudyFiles([out], dir, { report: true })).rejects.toThrow();
      expect(existsSync(dir)).toBe(false);
      expect(leftovers('sigint')).toEqual([]);
      expect(process.listenerCount('SIGINT')).toBe(1); // lipkit's listener is gone again
    } finally {
      process.removeListener('SIGINT', appListener);
    }
  });

  it('on SIGINT without other listeners (as in the CLI), the process dies of the signal and leaves nothing', () => {
    const dir = join(root, 'child');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'test/report/fixtures/interruptedWrite.ts', dir], { encoding: 'utf8', timeout: 60_000 });
    expect(r.stdout).not.toContain('finished');
    expect(r.signal).toBe('SIGINT');
    expect(existsSync(dir)).toBe(false);
    expect(leftovers('child')).toEqual([]);
  });

  it('leaves alone sibling directories it did not create (e.g. a partial directory of a killed process, or a look-alike)', async () => {
    const dir = join(root, 'stale');
    const dead = join(root, 'stale.partial-999999999-abcd1234');
    mkdirSync(dead);
    writeFileSync(join(dead, 'index.html'), 'half');
    await writeStudyFiles([syntheticCertify()], dir);
    expect(readFileSync(join(dead, 'index.html'), 'utf8')).toBe('half');
    expect(leftovers('stale')).toEqual(['stale.partial-999999999-abcd1234']);
  });

  it('writes the .lipkit-output marker listing every file written, and replaces only directories whose marker accounts for everything', async () => {
    const dir = join(root, 'marked');
    const { files } = await writeStudyFiles([syntheticCertify()], dir, { extraFiles: [{ path: 'models/m/model.json', content: '{}' }] });
    const marker = JSON.parse(readFileSync(join(dir, OUTPUT_MARKER), 'utf8')) as { signature: string; files: string[]; version: string };
    expect(marker.signature).toBe(OUTPUT_SIGNATURE);
    expect([...marker.files].sort()).toEqual(files.map((f) => f.slice(dir.length + 1)).sort());
    expect(checkOutputDirectory(dir)).toBe(dir);
    // a file the user added inside lipkit's output: refused, and kept
    writeFileSync(join(dir, 'models', 'm', 'mine.txt'), 'keep me');
    expectOutError(() => checkOutputDirectory(dir), /models\/m\/mine\.txt/);
    await expectAsyncError(writeStudyFiles([syntheticCertify()], dir), '--out');
    expect(readFileSync(join(dir, 'models', 'm', 'mine.txt'), 'utf8')).toBe('keep me');
    rmSync(join(dir, 'models', 'm', 'mine.txt'));
    // a forged or broken marker is no marker
    const text = readFileSync(join(dir, OUTPUT_MARKER), 'utf8');
    writeFileSync(join(dir, OUTPUT_MARKER), text.replace(OUTPUT_SIGNATURE, 'something else'));
    expectOutError(() => checkOutputDirectory(dir), /not written by lipkit/);
    writeFileSync(join(dir, OUTPUT_MARKER), '{');
    expectOutError(() => checkOutputDirectory(dir), /not written by lipkit/);
    writeFileSync(join(dir, OUTPUT_MARKER), text);
    await writeStudyFiles([syntheticCertify()], dir);
    expect(existsSync(join(dir, 'models'))).toBe(false);
  });

  it('refuses a foreign directory holding only lipkit-like names (an older lipkit output too), and deletes nothing', async () => {
    const dir = join(root, 'foreign');
    mkdirSync(join(dir, 'models', 'my-resnet'), { recursive: true });
    mkdirSync(join(dir, 'figures'));
    writeFileSync(join(dir, 'models', 'my-resnet', 'weights.bin'), 'precious');
    writeFileSync(join(dir, 'results.json'), '{}');
    writeFileSync(join(dir, 'figures', 'a.svg'), '<svg/>');
    expectOutError(() => checkOutputDirectory(dir), /not written by lipkit \(no \.lipkit-output marker\)/);
    await expectAsyncError(writeStudyFiles([syntheticCertify()], dir, { report: true }), '--out');
    expect(readFileSync(join(dir, 'models', 'my-resnet', 'weights.bin'), 'utf8')).toBe('precious');
    expect(readdirSync(dir).sort()).toEqual(['figures', 'models', 'results.json']);
    expect(leftovers('foreign')).toEqual([]);
  });
});

describe('checkOutputDirectory', () => {
  it('accepts new, empty and previous lipkit output directories', () => {
    expect(checkOutputDirectory(join(root, 'new', 'nested'))).toBe(join(root, 'new', 'nested'));
    expect(existsSync(join(root, 'new'))).toBe(false); // checking creates nothing
    mkdirSync(join(root, 'empty'));
    expect(checkOutputDirectory(join(root, 'empty'))).toBe(join(root, 'empty'));
    expect(readdirSync(root).some((f) => f.includes('probe'))).toBe(false);
  });

  it('refuses files, foreign contents, the current directory and unwritable places (--out)', async () => {
    const file = join(root, 'a-file');
    writeFileSync(file, 'x');
    expectError(() => checkOutputDirectory(file), '--out');
    expectError(() => checkOutputDirectory(join(file, 'below')), '--out');
    expectError(() => checkOutputDirectory(''), '--out');
    expectError(() => checkOutputDirectory('.'), '--out');
    expectError(() => checkOutputDirectory('/'), '--out');
    expectError(() => checkOutputDirectory('/sys/lipkit-report-test'), '--out'); // not writable, even for root
    const mine = join(root, 'mine');
    mkdirSync(mine);
    writeFileSync(join(mine, 'notes.txt'), 'keep me');
    expectError(() => checkOutputDirectory(mine), '--out');
    await expectAsyncError(writeStudyFiles([syntheticCertify()], mine, { report: true }), '--out');
    expect(readFileSync(join(mine, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(readdirSync(mine)).toEqual(['notes.txt']);
    expectError(() => checkOutputDirectory(mine, '--report-dir'), '--report-dir');
  });

  it.skipIf(process.getuid?.() === 0)('refuses a read-only parent (non-root only: root may write anywhere)', async () => {
    const { chmodSync } = await import('node:fs');
    const ro = join(root, 'ro');
    mkdirSync(ro);
    chmodSync(ro, 0o555);
    try {
      expectError(() => checkOutputDirectory(join(ro, 'out')), '--out');
    } finally {
      chmodSync(ro, 0o755);
    }
  });
});
