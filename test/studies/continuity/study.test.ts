import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { setBackend } from '../../../src/backend/setBackend.js';
import { runStudy } from '../../../src/studies/continuity/runStudy.js';
import { runOne } from '../../../src/studies/continuity/runOne.js';
import { STUDY_ARMS, type RunSizes } from '../../../src/studies/continuity/spec.js';

// One task of each kind (Figure 1, pixels with "-c", forecasting); ListOps is trained in the runOne test.
const TASKS = ['fig1-low', 'mnist-c', 'weather-24'];
import { runCli } from '../../../src/cli/runCli.js';
import { continuityOutput } from '../../../src/studies/continuity/continuityOutput.js';
import { writeStudyFiles } from '../../../src/report/writeStudyFiles.js';

const micro: RunSizes = { train: 16, validation: 8, length: 16, minLength: 6, width: 8, depth: 1, stateSize: 4, heads: 2, batchSize: 8, epochs: 2, learningRate: 3e-3 };

describe('continuity study', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('runOne trains, tracks one value per epoch and leaks no tensors', () => {
    const before = tf.memory().numTensors;
    const r = runOne({ task: 'listops', model: 's4d', arm: 'SSM+Emb+Lip', lambda: 1, seed: 3, sizes: micro });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.diverged).toBe(false);
    for (const c of Object.values(r.curves)) expect(c.length).toBe(2);
    expect(r.metric).toBe('accuracy');
    expect(r.metrics.validation).toBeGreaterThanOrEqual(0);
    expect(r.metrics.validation).toBeLessThanOrEqual(1);
    // L_f >= sqrt(L_Lip)-type sanity is not implied; both are finite and positive
    expect(r.metrics.lipReg).toBeGreaterThan(0);
    expect(r.metrics.lf).toBeGreaterThan(0);
  });

  it('runOne trains sizes.epochsByModel[model] epochs when given, else sizes.epochs', () => {
    const sizes: RunSizes = { ...micro, epochs: 1, epochsByModel: { s4d: 3 } };
    const s = runOne({ task: 'fig1-high', model: 's4d', arm: 'SSM+Emb', lambda: 0, seed: 1, sizes });
    const t = runOne({ task: 'fig1-high', model: 'transformer', arm: 'Transformer', lambda: 0, seed: 1, sizes });
    expect(s.curves.validation.length).toBe(3);
    expect(t.curves.validation.length).toBe(1);
  });

  it('a micro study in two worker threads gives complete, well-formed results', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'lipkit-study-')), 'out');
    try {
      let progress = 0;
      const plan = { tasks: TASKS, arms: STUDY_ARMS.map((a) => a.name), lambdas: [0, 1], seeds: [0, 1], sizes: micro };
      const result = await runStudy(plan, { workers: 2, onProgress: (done, total) => { progress = done; expect(total).toBe(48); } });
      expect(progress).toBe(48);
      const output = continuityOutput(result.records, result.rows, { mode: 'smoke', seconds: result.seconds });
      await writeStudyFiles([output], out, { report: true });
      const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { study: string; records: Record<string, unknown>[]; claims: unknown[] };
      expect(json.study).toBe('continuity');
      const runs = json.records;
      expect(runs.length).toBe(48);
      expect(json.claims.length).toBeGreaterThanOrEqual(6);
      for (const f of ['metric-vs-lambda', 'continuity-vs-lambda', 'lf-curves', 'loss-curves']) expect(readFileSync(join(out, 'figures', `continuity-${f}.svg`), 'utf8')).toMatch(/^<svg/);
      expect(readFileSync(join(out, 'index.html'), 'utf8')).toContain('Data continuity');
      for (const task of TASKS) {
        for (const arm of STUDY_ARMS) {
          for (const seed of [0, 1]) {
            const rs = runs.filter((r) => r.task === task && r.arm === arm.name && r.seed === seed);
            expect(rs.length, `${task} ${arm.name} ${seed}`).toBe(1);
            const r = rs[0] as { lambda: number; diverged: boolean; model: string; metrics: Record<string, number | null>; curves: Record<string, unknown[]>; seconds: number };
            expect(r.lambda).toBe(arm.sign);
            expect(r.model).toBe(arm.model);
            expect(typeof r.diverged).toBe('boolean');
            expect(r.seconds).toBeGreaterThan(0);
            for (const v of Object.values(r.metrics)) expect(r.diverged || (typeof v === 'number' && Number.isFinite(v))).toBe(true);
            for (const c of Object.values(r.curves)) expect(c.length).toBeGreaterThanOrEqual(1);
            // Every run is scored on its test split (forecasting: MSE and MAE on the test windows; classification: accuracy, no MSE).
            const test = (r as unknown as { test: { metric: number | null; mse: number | null; mae: number | null; continuity: number | null } }).test;
            expect(r.diverged || (test.metric !== null && test.continuity! > 0)).toBe(true);
            if (task.startsWith('weather')) expect(r.diverged || (test.mse! > 0 && test.mae! > 0)).toBe(true);
            if (task === 'mnist-c') expect(test.mse).toBeNull();
          }
        }
      }
      const md = readFileSync(join(out, 'results.md'), 'utf8');
      for (const task of TASKS) expect(md).toContain(`## ${task}`);
      for (const arm of STUDY_ARMS) expect(md.split('\n').filter((l) => l.startsWith(`| ${arm.name} |`)).length).toBe(TASKS.length);
    } finally {
      rmSync(join(out, ".."), { recursive: true, force: true });
    }
  });

  it('lipkit study continuity --smoke --seed 3 runs the primary design in seconds and prints the claims', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'lipkit-smoke-')), 'out');
    try {
      let text = '';
      const code = await runCli(['study', 'continuity', '--smoke', '--seed', '3', '--no-progress', '--workers', '0', '--out', out], { stdout: (t) => { text += t; }, stderr: () => {} });
      expect(code).toBe(0);
      expect(text).toMatch(/P1 \(Figure 1/);
      expect(text).toMatch(/primary/);
      const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { mode: string; seed: number; claims: { primary?: boolean; verdict?: string; n?: number }[]; records: { seed: number }[] };
      expect(json.mode).toBe('smoke');
      expect(json.seed).toBe(3);
      expect([...new Set(json.records.map((r) => r.seed))]).toEqual([3, 4]);
      const primary = json.claims.filter((c) => c.primary === true);
      expect(primary.length).toBe(5);
      for (const c of primary) { expect(['held', 'contradicted', 'inconclusive']).toContain(c.verdict); expect(c.n).toBe(2); }
    } finally {
      rmSync(join(out, '..'), { recursive: true, force: true });
    }
  });

  it('the CLI reports bad input in one line with exit status 2', async () => {
    const cases: [string[], RegExp][] = [
      [['study', 'continuity', '--tasks', 'fig1-high,nope'], /plan\.tasks/],
      [['study', 'continuity', '--arms', 'SSM,LSTM'], /plan\.arms/],
      [['study', 'continuity', '--lambdas', '0,-1'], /--lambdas/],
      [['study', 'continuity', '--lambdas', '1', '--arms', 'SSM'], /plan\.lambdas/],
      [['study', 'continuity', '--quick', '--full'], /--quick/],
      [['study', 'continuity', '--smoke', '--quick'], /--smoke/],
      [['study', 'continuity', '--seed', '-1'], /--seed/],
      [['study', 'continuity', '--workers', 'two'], /--workers/],
      [['study', 'continuity', '--seeds', '0'], /--seeds/],
      [['study', 'continuity', '--bogus'], /unknown option/],
      [['study', 'continuity', '--tasks', 'daily-168'], /plan\.tasks.*horizon/],
      [['study', 'continuity', '--tasks', 'weather-0'], /plan\.tasks/],
    ];
    for (const [argv, message] of cases) {
      let err = '';
      const code = await runCli(argv, { stdout: () => {}, stderr: (t) => { err += t; } });
      expect(code, argv.join(' ')).toBe(2);
      expect(err.trim().split('\n').length).toBe(1);
      expect(err).toMatch(message);
    }
  });
});
