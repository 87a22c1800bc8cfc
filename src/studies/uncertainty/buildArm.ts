import * as tfl from '@tensorflow/tfjs-layers';
import { spectralNormalization } from '../../layers/SpectralNormalization.js';
import { randomFeatureGP } from '../../layers/RandomFeatureGP.js';
import { duqOutput } from '../../layers/DUQOutput.js';
import { ARM_SETTINGS, type UncertaintyArm } from './spec.js';

/**
 * The model of an arm: a 4-layer ReLU MLP, 2 -> widths (3 hidden layers) -> 2 outputs, where
 * the last layer is a Dense (softmax arms; logits), lipkit's `RandomFeatureGP` (SNGP, hidden
 * layers wrapped in `SpectralNormalization` with D = 1 each) or `DUQOutput` (DUQ). The hidden
 * layers of every arm start from the same seeded Glorot initialization (paired arms).
 */
export function buildArm(arm: UncertaintyArm, widths: number[], numFeatures: number, seed: number): tfl.Sequential {
  const model = tfl.sequential();
  widths.forEach((units, i) => {
    const dense = tfl.layers.dense({
      units, activation: 'relu', biasInitializer: 'zeros',
      kernelInitializer: tfl.initializers.glorotUniform({ seed: seed * 101 + i + 1 }),
      ...(i === 0 && arm !== 'SNGP' ? { inputShape: [2] } : {}),
    });
    model.add(arm === 'SNGP'
      ? spectralNormalization({ layer: dense, target: ARM_SETTINGS.sngpLayerTarget, seed: seed * 101 + i + 1, ...(i === 0 ? { inputShape: [2] } : {}) })
      : dense);
  });
  const headSeed = seed * 101 + widths.length + 1;
  if (arm === 'SNGP') {
    model.add(randomFeatureGP({
      units: 2, numFeatures, lengthScale: ARM_SETTINGS.sngpLengthScale, ridge: ARM_SETTINGS.sngpRidge, updateOnTraining: false, seed: headSeed,
    }));
  } else if (arm === 'DUQ') {
    model.add(duqOutput({ units: 2, embeddingSize: ARM_SETTINGS.duqEmbedding, lengthScale: ARM_SETTINGS.duqLengthScale, gamma: ARM_SETTINGS.duqGamma, seed: headSeed }));
  } else {
    model.add(tfl.layers.dense({ units: 2, kernelInitializer: tfl.initializers.glorotUniform({ seed: headSeed }), biasInitializer: 'zeros' }));
  }
  return model;
}
