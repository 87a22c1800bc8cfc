import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { denseTopology, loopTopology, runLipkit, writeModelJson, type HostileRun } from './hostileFiles.js';

/**
 * The hostile-files suite of issue 9: every model file or output folder an attacker or a
 * careless user could hand to `lipkit`, run through the real executable. Each must end with
 * exit status 2 and one line on stderr naming the argument, within a few CPU seconds and a
 * few hundred MiB (GNU time), and must read nothing outside the model's folder (strace: the
 * secret file is never opened; its bytes never appear in the output).
 */

let root: string;
let secretDir: string;
let secretPath: string;
/** 17 bytes: exactly the stored size of the quantized model's weights (16 kernel + 1 bias, uint8). */
const SECRET = `S3CRET-${randomBytes(5).toString('hex')}`;
/** Peak RSS allowed (MiB): a bare failing run takes about 190 MiB. */
const MAX_RSS_MIB = 450;
/** CPU seconds allowed: a bare failing run takes about 1.5 s. */
const MAX_CPU_SECONDS = 8;

/** A Dense 16 -> 1 whose weights are stored as uint8 (scale 1, min 0): the weights file's bytes become the kernel. */
function quantizedManifest(path: string): unknown {
  const q = { dtype: 'uint8', scale: 1, min: 0 };
  return [{ paths: [path], weights: [
    { name: 'dense_0/kernel', shape: [16, 1], dtype: 'float32', quantization: q },
    { name: 'dense_0/bias', shape: [1], dtype: 'float32', quantization: q },
  ] }];
}

function quantizedModel(name: string, path: string): string {
  return writeModelJson(join(root, name), denseTopology(16, [1]), quantizedManifest(path));
}

/** A float32 Dense 2 -> 3 -> 1 with the given weight values (kernel0, bias0, kernel1, bias1). */
function floatModel(name: string, edit: (w: Float32Array[]) => void): string {
  const w = [new Float32Array([1, 0, 0, 0, 1, 0]), new Float32Array([0.5, -0.5, 0]), new Float32Array([1, 1, 1]), new Float32Array([0])];
  edit(w);
  const dir = join(root, name);
  const p = writeModelJson(dir, denseTopology(2, [3, 1]), [{ paths: ['weights.bin'], weights: [
    { name: 'dense_0/kernel', shape: [2, 3], dtype: 'float32' }, { name: 'dense_0/bias', shape: [3], dtype: 'float32' },
    { name: 'dense_1/kernel', shape: [3, 1], dtype: 'float32' }, { name: 'dense_1/bias', shape: [1], dtype: 'float32' },
  ] }]);
  writeFileSync(join(dir, 'weights.bin'), Buffer.concat(w.map((a) => Buffer.from(a.buffer))));
  return p;
}

/** Asserts the run was refused as bad input: exit 2, one stderr line naming `argument` and matching `why`, bounded CPU and memory, no secret. */
function expectRefused(r: HostileRun, argument: string, why: RegExp): void {
  expect(r.signal, r.stderr).toBeNull();
  expect(r.status, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0].startsWith(`lipkit: ${argument}`), lines[0]).toBe(true);
  expect(lines[0]).toMatch(why);
  expect(r.stderr + r.stdout).not.toContain(SECRET);
  if (!Number.isNaN(r.cpuSeconds)) expect(r.cpuSeconds, lines[0]).toBeLessThan(MAX_CPU_SECONDS);
  if (!Number.isNaN(r.maxRssMiB)) expect(r.maxRssMiB, lines[0]).toBeLessThan(MAX_RSS_MIB);
}

/** Asserts the traced run never opened the secret file (under any of its names). */
function expectSecretNeverOpened(r: HostileRun): void {
  if (r.opened === null) return;
  expect(r.opened.length).toBeGreaterThan(10); // the trace did record the run's opens
  for (const p of r.opened) expect(p.includes('secret'), `opened ${p}`).toBe(false);
}

function certify(model: string, trace = false): Promise<HostileRun> {
  return runLipkit(['certify', model, '--no-lower-bound'], { work: join(root, 'runs'), trace });
}

describe('hostile model files and output folders (spawned lipkit)', () => {
  beforeAll(() => {
    root = realpathSync(mkdtempSync(join(tmpdir(), 'lipkit-hostile-')));
    secretDir = join(root, 'secret');
    mkdirSync(secretDir);
    secretPath = join(secretDir, 'secret.txt');
    writeFileSync(secretPath, SECRET);
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('control: the quantized 16 -> 1 model loads and certifies when its weights are inside its folder', async () => {
    const p = quantizedModel('control', 'weights.bin');
    writeFileSync(join(root, 'control', 'weights.bin'), Buffer.from(Array.from({ length: 17 }, (_, i) => i)));
    const r = await runLipkit(['certify', p, '--json', '--no-lower-bound'], { work: join(root, 'runs') });
    expect(r.status, r.stderr).toBe(0);
    // kernel = 0..15 (q * 1 + 0): the norm of the 16 -> 1 map is ||(0..15)||_2
    const norm = Math.sqrt(Array.from({ length: 16 }, (_, i) => i * i).reduce((a, b) => a + b, 0));
    expect((JSON.parse(r.stdout) as { upperBound: number }).upperBound).toBeCloseTo(norm, 3);
  });

  it('weight paths leading outside the folder (.., absolute, symlinked file or folder) are refused before the secret is opened', async () => {
    const rel = quantizedModel('dotdot', '../secret/secret.txt');
    const abs = quantizedModel('absolute', secretPath);
    const link = quantizedModel('link', 'weights.bin');
    symlinkSync(secretPath, join(root, 'link', 'weights.bin'));
    const linkDir = quantizedModel('linkdir', 'sub/secret.txt');
    symlinkSync(secretDir, join(root, 'linkdir', 'sub'));
    for (const [p, why] of [[rel, /leads outside the model's folder/], [abs, /absolute path/], [link, /symbolic link that does not lead to a file inside/], [linkDir, /symbolic link that does not lead to a file inside/]] as const) {
      const r = await certify(p, true);
      expectRefused(r, p, why);
      expectSecretNeverOpened(r);
      expect(r.stderr).not.toMatch(/\b17 bytes/); // the secret's size is not revealed
    }
    const passwd = quantizedModel('passwd', '../../../../../../../../etc/passwd');
    const r = await certify(passwd, true);
    expectRefused(r, passwd, /leads outside the model's folder/);
    if (r.opened !== null) expect(r.opened).not.toContain('/etc/passwd');
  });

  it('/dev/zero, a FIFO and a directory as weight files are refused without reading (no hang, no growth)', async () => {
    const zeroAbs = quantizedModel('zero-abs', '/dev/zero');
    const zeroLink = quantizedModel('zero-link', 'weights.bin');
    symlinkSync('/dev/zero', join(root, 'zero-link', 'weights.bin'));
    const fifo = quantizedModel('fifo', 'weights.bin');
    execFileSync('mkfifo', [join(root, 'fifo', 'weights.bin')]);
    const dir = quantizedModel('dir', 'weights.bin');
    mkdirSync(join(root, 'dir', 'weights.bin'));
    for (const [p, why] of [[zeroAbs, /absolute path/], [zeroLink, /symbolic link/], [fifo, /named pipe \(FIFO\), not a regular file/], [dir, /directory, not a regular file/]] as const) {
      expectRefused(await certify(p), p, why);
    }
  });

  it('model.json itself or the --data file as a FIFO is refused at once', async () => {
    const fifoJson = join(root, 'fifo-json', 'model.json');
    mkdirSync(join(root, 'fifo-json'));
    execFileSync('mkfifo', [fifoJson]);
    expectRefused(await certify(fifoJson), fifoJson, /named pipe/);
    const fifoData = join(root, 'fifo-json', 'inputs.json');
    execFileSync('mkfifo', [fifoData]);
    expectRefused(await runLipkit(['certify', 'examples/models/mlp/model.json', '--data', fifoData], { work: join(root, 'runs') }), fifoData, /data file is a named pipe/);
  });

  it('a 1.8 GB sparse weights file with a 17-byte manifest is refused by size before it is read', async () => {
    const p = quantizedModel('sparse', 'weights.bin');
    const fd = openSync(join(root, 'sparse', 'weights.bin'), 'w');
    ftruncateSync(fd, 1.8e9);
    closeSync(fd);
    expectRefused(await certify(p), p, /describes 17 bytes of weights but its files .* hold 1800000000 bytes/);
  });

  it('a Dense with 2e7 units and an empty manifest is refused before its weights are allocated', async () => {
    const p = writeModelJson(join(root, 'huge'), denseTopology(64, [2e7]), []);
    expectRefused(await certify(p), p, /layer 'dense_0' would create a weight 'kernel' of shape \[64, 20000000\]/);
  });

  it('a cyclic functional graph and a self-loop are refused instead of spinning', async () => {
    const cyclic = writeModelJson(join(root, 'cyclic'), loopTopology('b'), []);
    const selfLoop = writeModelJson(join(root, 'self-loop'), loopTopology('a'), []);
    const dangling = writeModelJson(join(root, 'dangling'), loopTopology('nowhere'), []);
    expectRefused(await certify(cyclic), cyclic, /not a feed-forward graph: layer '[ab]' waits for node 0 of '[ab]'/);
    expectRefused(await certify(selfLoop), selfLoop, /not a feed-forward graph: layer 'a' waits for node 0 of 'a'/);
    expectRefused(await certify(dangling), dangling, /'nowhere', which is not a layer/);
  });

  it('NaN bias, NaN or infinite kernel: refused naming the layer and the model file, never "certified"', async () => {
    const control = floatModel('finite', () => undefined);
    expect((await certify(control)).status).toBe(0);
    const nanBias = floatModel('nan-bias', (w) => { w[1][1] = Number.NaN; });
    const nanKernel = floatModel('nan-kernel', (w) => { w[2][0] = Number.NaN; });
    const infKernel = floatModel('inf-kernel', (w) => { w[0][3] = Number.POSITIVE_INFINITY; });
    expectRefused(await certify(nanBias), nanBias, /layer 'dense_0' \(Dense\): weight 'dense_0\/bias' holds NaN at flat index 1/);
    expectRefused(await certify(nanKernel), nanKernel, /layer 'dense_1' \(Dense\): weight 'dense_1\/kernel' holds NaN/);
    expectRefused(await certify(infKernel), infKernel, /layer 'dense_0' \(Dense\): weight 'dense_0\/kernel' holds Infinity at flat index 3/);
  });

  it('an empty model and the identity map are refused, not certified with bound 0', async () => {
    const empty = writeModelJson(join(root, 'empty'), { class_name: 'Sequential', config: { name: 'empty', layers: [] } }, []);
    const identity = writeModelJson(join(root, 'identity'), {
      class_name: 'Model',
      config: {
        name: 'identity',
        layers: [{ name: 'in', class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 3], dtype: 'float32', sparse: false }, inbound_nodes: [] }],
        input_layers: [['in', 0, 0]], output_layers: [['in', 0, 0]],
      },
    }, []);
    expectRefused(await certify(empty), empty, /no layers besides its inputs/);
    expectRefused(await certify(identity), identity, /no layers besides its inputs/);
  });

  it('a manifest whose weights do not match the model (renamed, reshaped with the same bytes) is refused before computing', async () => {
    const renamed = floatModel('renamed', () => undefined);
    const j = JSON.parse(readFileSync(renamed, 'utf8')) as { weightsManifest: { weights: { name: string; shape: number[] }[] }[] };
    j.weightsManifest[0].weights[1].name = 'dense_9/bias';
    writeFileSync(renamed, JSON.stringify(j));
    expectRefused(await certify(renamed), renamed, /lists a weight 'dense_9\/bias' that no layer of the model has/);
    const reshaped = floatModel('reshaped', () => undefined);
    const k = JSON.parse(readFileSync(reshaped, 'utf8')) as typeof j;
    k.weightsManifest[0].weights[0].shape = [3, 2];
    writeFileSync(reshaped, JSON.stringify(k));
    expectRefused(await certify(reshaped), reshaped, /weight 'dense_0\/kernel' of layer 'dense_0' has shape \[2, 3\] in the model but \[3, 2\] in the manifest/);
  });

  it('--out on a foreign folder holding only lipkit-like names is refused and nothing in it is deleted', async () => {
    const out = join(root, 'users-folder');
    mkdirSync(join(out, 'models', 'my-resnet'), { recursive: true });
    mkdirSync(join(out, 'figures'));
    writeFileSync(join(out, 'models', 'my-resnet', 'weights.bin'), 'precious weights');
    writeFileSync(join(out, 'results.json'), '{"mine": true}');
    writeFileSync(join(out, 'figures', 'plot.svg'), '<svg/>');
    for (const args of [['demo', '--smoke', '--out', out], ['study', 'two-moons', '--smoke', '--out', out]]) {
      expectRefused(await runLipkit(args, { work: join(root, 'runs') }), '--out', /not written by lipkit \(no \.lipkit-output marker\)/);
      expect(readFileSync(join(out, 'models', 'my-resnet', 'weights.bin'), 'utf8')).toBe('precious weights');
      expect(readFileSync(join(out, 'results.json'), 'utf8')).toBe('{"mine": true}');
    }
  });
});
