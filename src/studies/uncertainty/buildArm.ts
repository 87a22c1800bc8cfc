import * as tfl from '@tensorflow/tfjs-layers';
import { spectralNormalization } from '../../layers/SpectralNormalization.js';
import { randomFeatureGP } from '../../layers/RandomFeatureGP.js';
import { duqOutput } from '../../layers/DUQOutput.js';
import { ARM_SETTINGS, type UncertaintyArm } from './spec.js';

const glorot = (seed: number) => tfl.initializers.glorotUniform({ seed });

function gpHead(numFeatures: number, seed: number): tfl.layers.Layer {
  return randomFeatureGP({ units: 2, numFeatures, lengthScale: ARM_SETTINGS.sngpLengthScale, ridge: ARM_SETTINGS.sngpRidge, updateOnTraining: false, seed });
}

/**
 * SNGP (residual): the SNGP paper's ResFFN as its tutorial builds it, at the study's width
 * w = widths[0]: a fixed (non-trainable) Dense projection 2 -> w, then one residual block
 * h + relu(SN(Dense(h))) per hidden width with spectral norm `residualTarget` (0.9), so the
 * features are bi-Lipschitz in the input (distance-preserving), then the GP head.
 */
function residualGP(widths: number[], numFeatures: number, seed: number): tfl.LayersModel {
  const w = widths[0];
  const input = tfl.input({ shape: [2] });
  let h = tfl.layers.dense({ units: w, trainable: false, kernelInitializer: glorot(seed * 101 + 1), biasInitializer: 'zeros' }).apply(input) as tfl.SymbolicTensor;
  widths.forEach((_, i) => {
    const dense = tfl.layers.dense({ units: w, activation: 'relu', kernelInitializer: glorot(seed * 101 + i + 2), biasInitializer: 'zeros' });
    const branch = spectralNormalization({ layer: dense, target: ARM_SETTINGS.residualTarget, seed: seed * 101 + i + 2 }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.add().apply([h, branch]) as tfl.SymbolicTensor;
  });
  const out = gpHead(numFeatures, seed * 101 + widths.length + 2).apply(h) as tfl.SymbolicTensor;
  return tfl.model({ inputs: input, outputs: out });
}

/**
 * The model of an arm: a 4-layer ReLU MLP, 2 -> widths (3 hidden layers) -> 2 outputs, where
 * the last layer is a Dense (softmax arms; logits), lipkit's `RandomFeatureGP` (SNGP, hidden
 * layers wrapped in `SpectralNormalization` with D = 1 each) or `DUQOutput` (DUQ); or the
 * residual SNGP network (`residualGP`). The hidden layers of the MLP arms start from the same
 * seeded Glorot initialization (paired arms).
 */
export function buildArm(arm: UncertaintyArm, widths: number[], numFeatures: number, seed: number): tfl.LayersModel {
  if (arm === 'SNGP (residual)') return residualGP(widths, numFeatures, seed);
  const model = tfl.sequential();
  const sn = arm === 'SNGP';
  widths.forEach((units, i) => {
    const dense = tfl.layers.dense({
      units, activation: 'relu', biasInitializer: 'zeros', kernelInitializer: glorot(seed * 101 + i + 1),
      ...(i === 0 && !sn ? { inputShape: [2] } : {}),
    });
    model.add(sn ? spectralNormalization({ layer: dense, target: ARM_SETTINGS.sngpLayerTarget, seed: seed * 101 + i + 1, ...(i === 0 ? { inputShape: [2] } : {}) }) : dense);
  });
  const headSeed = seed * 101 + widths.length + 1;
  if (sn) {
    model.add(gpHead(numFeatures, headSeed));
  } else if (arm === 'DUQ') {
    model.add(duqOutput({ units: 2, embeddingSize: ARM_SETTINGS.duqEmbedding, lengthScale: ARM_SETTINGS.duqLengthScale, gamma: ARM_SETTINGS.duqGamma, seed: headSeed }));
  } else {
    model.add(tfl.layers.dense({ units: 2, kernelInitializer: glorot(headSeed), biasInitializer: 'zeros' }));
  }
  return model;
}
