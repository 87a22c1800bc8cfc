import * as tfl from '@tensorflow/tfjs-layers';
import { S4D } from '../../models/S4D.js';
import { LayerNorm } from '../../models/LayerNorm.js';
import { transformerEncoder } from '../../models/TransformerEncoder.js';
import { convEmbedding, tokenEmbedding } from '../../models/ConvEmbedding.js';
import { classificationHead, forecastingHead } from '../../models/heads.js';
import { armDefinition, type RunSpec } from './spec.js';
import { parseStudyTask } from './tasks.js';
import type { StudyData } from './studyData.js';

/**
 * Positions of the Transformer arms when `sizes.positional` is not given: 'none' on the Figure 1
 * tasks ('fig1-*', 'fig1mv-*': y_t = h(x_t) is pointwise, so positions carry no information; the
 * conv embedding gives local order; Appendix A.1 names only "a 1-D conv embedding, then one
 * Transformer layer", and PyTorch's nn.TransformerEncoderLayer adds no positions), 'sinusoidal'
 * on every other task. Measured (plan.ts): sinusoids of amplitude 1 over the ~0.15-scale conv
 * embedding held the Transformer on a plateau near the target variance.
 */
export function defaultPositional(task: string): 'sinusoidal' | 'none' {
  return parseStudyTask(task).kind === 'fig1' ? 'none' : 'sinusoidal';
}

/**
 * The model of one run, a functional tfjs-layers model with two outputs: the prediction and the
 * embedding output e (where the study puts the Lipschitz regularizer and measures L_Lip, L_f):
 *
 *   tokens -> token table; then 'linear' arms: e = Dense(x) (continuous) or the table output;
 *   'conv' arms: e = Conv1D_k(.) (the paper's "Emb"; k = sizes.kernelSize, default 3, 5 in Appendix A.1)
 *   s4d: h = e; per block h = h + S4D(LayerNorm(h)); h = LayerNorm(h)
 *   transformer: h = TransformerEncoder(e) (post-LN; positions `sizes.positional`, default
 *     `defaultPositional(task)`: none on the Figure 1 tasks, sinusoidal elsewhere)
 *   sequence to sequence (Figure 1): y = Dense_V(h) per step (V variates);
 *   forecasting: y = Dense_horizon(flatten h) (`forecastingHead`, 'flatten');
 *   classification: logits = Dense(mean_t h), masked for token inputs
 *
 * Initializers are seeded from spec.seed (deterministic up to floating-point reduction order).
 */
export function buildStudyModel(spec: RunSpec, data: StudyData): tfl.LayersModel {
  const arm = armDefinition(spec.arm);
  const { width, depth, stateSize, heads } = spec.sizes;
  const seed = spec.seed * 100 + 1;
  const glorot = (k: number): ReturnType<typeof tfl.initializers.glorotUniform> => tfl.initializers.glorotUniform({ seed: seed + k });
  const inputs: tfl.SymbolicTensor[] = [];
  let h: tfl.SymbolicTensor;
  if (data.input === 'tokens') {
    inputs.push(tfl.input({ shape: [data.length] }));
    h = tokenEmbedding({ vocabulary: data.vocabulary ?? 1, width, seed: seed + 2 }).apply(inputs[0]) as tfl.SymbolicTensor;
  } else {
    inputs.push(tfl.input({ shape: [data.length, data.features] }));
    h = arm.embedding === 'linear'
      ? tfl.layers.dense({ units: width, kernelInitializer: glorot(3) }).apply(inputs[0]) as tfl.SymbolicTensor
      : inputs[0];
  }
  if (arm.embedding === 'conv') h = convEmbedding({ filters: width, kernelSize: spec.sizes.kernelSize ?? 3, seed: seed + 4 }).apply(h) as tfl.SymbolicTensor;
  const embedding = h;
  if (spec.model === 's4d') {
    for (let i = 0; i < depth; i++) {
      const z = new LayerNorm().apply(h) as tfl.SymbolicTensor;
      const y = new S4D({ stateSize, seed: seed + 10 + i }).apply(z) as tfl.SymbolicTensor;
      h = tfl.layers.add().apply([h, y]) as tfl.SymbolicTensor;
    }
    h = new LayerNorm().apply(h) as tfl.SymbolicTensor;
  } else {
    const positional = spec.sizes.positional ?? defaultPositional(spec.task);
    h = transformerEncoder({ depth, heads, ffUnits: 2 * width, seed: seed + 20, positional }).apply(h) as tfl.SymbolicTensor;
  }
  let out: tfl.SymbolicTensor;
  if (data.kind === 'classification' && data.input === 'tokens') {
    const mask = tfl.input({ shape: [data.length] });
    inputs.push(mask);
    out = classificationHead(h, { classes: data.classes ?? 2, mask });
  } else if (data.kind === 'classification') {
    out = classificationHead(h, { classes: data.classes ?? 2 });
  } else if (data.targetLength !== data.length) {
    out = forecastingHead(h, { horizon: data.targetLength, features: 1 });
  } else {
    out = tfl.layers.dense({ units: data.features, kernelInitializer: glorot(5) }).apply(h) as tfl.SymbolicTensor;
  }
  return tfl.model({ inputs, outputs: [out, embedding] });
}
