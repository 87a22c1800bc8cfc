import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { localCertifiedRadius } from '../estimate/local/localCertifiedRadius.js';
import { localLipschitzBound } from '../estimate/local/localLipschitzBound.js';
import { LipkitError } from '../util/errors.js';
import { readInputData } from './readInputData.js';

/** One input's row of `lipkit certify --local-radius`. */
export interface LocalCertifyInput {
  index: number;
  prediction: number;
  label: number | null;
  /** Certified lower bound of the logit margin top - runner-up (float64). */
  margin: number;
  /** CERTIFIED bound of the model's Jacobian norm on the ball of radius R (min of local and global). */
  localBound: number;
  /** Which bound gave it: 'fast-lip |C|+R', 'fast-lip ||C||+||R||', 'spectral expansion' or 'global'. */
  method: string;
  /** CERTIFIED l2 radius from local bounds, and from the global bound. */
  localRadius: number;
  globalRadius: number;
  /** Whether the prediction is certified on the ball of radius R by the local (resp. global) bound. */
  certifiedAtRadius: boolean;
  certifiedAtRadiusGlobal: boolean;
}

/** The `local` section of a `lipkit certify` report. */
export interface LocalCertifyReport {
  radius: number;
  relaxation: 'linear' | 'interval';
  inputs: LocalCertifyInput[];
  summary: {
    count: number;
    meanLocalBound: number;
    /** The global certified bound of the model, for contrast. */
    globalBound: number;
    meanLocalRadius: number;
    meanGlobalRadius: number;
    /** Fraction of inputs certified at R (prediction cannot change), by local and by global bounds. */
    certifiedFraction: number;
    certifiedFractionGlobal: number;
    /** Certified robust accuracy at R (correct and certified), when labels are given; else null. */
    certifiedAccuracy: number | null;
    certifiedAccuracyGlobal: number | null;
  };
  seconds: number;
  notes: string[];
}

/**
 * `lipkit certify --local-radius R --data inputs.json`: per input, the certified local bound on
 * the ball of radius R (`localLipschitzBound`), the certified radius from local bounds
 * (`localCertifiedRadius`) beside the global one, and whether the prediction is certified at
 * R; with labels in the data file, certified robust accuracy at R (local and global).
 */
export async function certifyLocal(
  model: tfl.LayersModel, dataFile: string | undefined, radius: number, globalBound: number,
  options: { relaxation?: 'linear' | 'interval'; steps?: number } = {},
): Promise<LocalCertifyReport> {
  if (dataFile === undefined) throw new LipkitError('--local-radius', 'needs --data inputs.json (the inputs to certify around)');
  if (!Number.isFinite(radius) || radius < 0) throw new LipkitError('--local-radius', `must be a finite number >= 0, got ${radius}`);
  const start = performance.now();
  const { relaxation = 'linear', steps = 10 } = options;
  const data = await readInputData(dataFile, model.inputs[0].shape.slice(1));
  const x = tf.tensor(data.values, [data.count, ...data.shape], 'float32');
  try {
    const bound = localLipschitzBound(model, x, { radius, relaxation, globalBound });
    const rad = localCertifiedRadius(model, x, { relaxation, steps, globalBound, atRadius: radius });
    const at = rad.atRadius;
    if (!at) throw new Error('internal: atRadius missing');
    const globalAt = (i: number): boolean => rad.margins[i] > 0 && rad.globalRadii[i] > radius;
    const inputs: LocalCertifyInput[] = Array.from({ length: data.count }, (_, i) => ({
      index: i,
      prediction: rad.predictions[i],
      label: data.labels ? data.labels[i] : null,
      margin: rad.margins[i],
      localBound: bound.bounds[i],
      method: bound.methods[i],
      localRadius: rad.radii[i],
      globalRadius: rad.globalRadii[i],
      certifiedAtRadius: at.certified[i] || rad.radii[i] > radius,
      certifiedAtRadiusGlobal: globalAt(i),
    }));
    const mean = (f: (r: LocalCertifyInput) => number): number => inputs.reduce((a, r) => a + f(r), 0) / inputs.length;
    const acc = (flag: (r: LocalCertifyInput) => boolean): number | null => (data.labels
      ? inputs.filter((r) => r.prediction === r.label && flag(r)).length / inputs.length : null);
    return {
      radius, relaxation, inputs,
      summary: {
        count: inputs.length,
        meanLocalBound: mean((r) => r.localBound),
        globalBound,
        meanLocalRadius: mean((r) => r.localRadius),
        meanGlobalRadius: mean((r) => r.globalRadius),
        certifiedFraction: mean((r) => (r.certifiedAtRadius ? 1 : 0)),
        certifiedFractionGlobal: mean((r) => (r.certifiedAtRadiusGlobal ? 1 : 0)),
        certifiedAccuracy: acc((r) => r.certifiedAtRadius),
        certifiedAccuracyGlobal: acc((r) => r.certifiedAtRadiusGlobal),
      },
      seconds: (performance.now() - start) / 1000,
      notes: [bound.method, ...new Set([...bound.notes, ...rad.notes])],
    };
  } finally {
    x.dispose();
  }
}

const fmt = (x: number | null): string => (x === null ? '-' : Number(x.toPrecision(5)).toString());

/** The human-readable lines of the local section. */
export function formatLocalReport(r: LocalCertifyReport): string[] {
  const s = r.summary;
  const lines = [`local bounds at radius ${fmt(r.radius)} (${r.relaxation} relaxation; certified):`];
  const shown = r.inputs.slice(0, 20);
  for (const i of shown) {
    lines.push(`  #${i.index}: class ${i.prediction}${i.label === null ? '' : ` (label ${i.label})`}, L_local ${fmt(i.localBound)}, radius local ${fmt(i.localRadius)} vs global ${fmt(i.globalRadius)}, certified at R: ${i.certifiedAtRadius ? 'yes' : 'no'}`);
  }
  if (r.inputs.length > shown.length) lines.push(`  ... ${r.inputs.length - shown.length} more (see --json)`);
  lines.push(`  mean local bound ${fmt(s.meanLocalBound)} vs global ${fmt(s.globalBound)}; mean certified radius local ${fmt(s.meanLocalRadius)} vs global ${fmt(s.meanGlobalRadius)}`);
  lines.push(`  certified at R: ${fmt(100 * s.certifiedFraction)} % of inputs (global bound: ${fmt(100 * s.certifiedFractionGlobal)} %)`);
  if (s.certifiedAccuracy !== null) {
    lines.push(`  certified robust accuracy at R: ${fmt(100 * s.certifiedAccuracy)} % (global bound: ${fmt(100 * (s.certifiedAccuracyGlobal ?? 0))} %)`);
  }
  lines.push(`  local bounds time: ${r.seconds.toFixed(2)} s`);
  return lines;
}
