import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../../src/backend/setBackend.js';
import { ganStudy } from '../../../src/studies/gan/ganStudy.js';
import { STUDIES } from '../../../src/studies/registry.js';
import { checkInlineData } from '../../../src/report/renderFigure.js';
import { runGanRuns } from '../../../src/studies/gan/runGanRuns.js';
import { GAN_SIZES, type GanRunSpec } from '../../../src/studies/gan/ganSpec.js';

beforeAll(async () => { await setBackend('wasm'); });

describe('lipkit study gan --smoke', () => {
  it('runs, judges the four primary claims, and leaves no tensors', async () => {
    expect(STUDIES).toContain(ganStudy);
    const before = tf.memory().numTensors;
    const out = await ganStudy.run({ mode: 'smoke', seed: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(out.records).toHaveLength(10);
    const primary = out.claims.filter((c) => c.primary === true);
    expect(primary.map((c) => c.claim.slice(0, 2))).toEqual(['P1', 'P2', 'P3', 'P4']);
    for (const c of primary) expect(['held', 'contradicted', 'inconclusive']).toContain(c.verdict);
    const sn = out.records.filter((r) => (r as { arm: string }).arm === 'spectral normalization') as { checkpoints: { criticBound: number }[] }[];
    for (const r of sn) for (const c of r.checkpoints) expect(c.criticBound).toBeLessThan(1.01);
    for (const f of out.figures) checkInlineData(f.spec);
    expect(JSON.parse(JSON.stringify(out.records))).toEqual(out.records);
  });

  it('worker threads compute what this thread computes (same seed, same records, in spec order)', async () => {
    const { mixtures: _m, cells: _c, seeds: _s, workers: _w, ...sizes } = GAN_SIZES.smoke;
    const specs: GanRunSpec[] = [
      { mixture: 'ring', arm: 'spectral normalization', beta1: 0, seed: 5, keepFigures: false, sizes },
      { mixture: 'ring', arm: 'gradient penalty', beta1: 0.9, seed: 6, keepFigures: false, sizes },
    ];
    const inThread = await runGanRuns(specs, 0, () => {});
    const inWorkers = await runGanRuns(specs, 2, () => {});
    const strip = (r: object): object => { const { seconds: _t, ...rest } = r as { seconds?: number }; return rest; };
    expect(inWorkers.map(strip)).toEqual(inThread.map(strip));
  }, 60_000);
});
