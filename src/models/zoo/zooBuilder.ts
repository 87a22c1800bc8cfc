import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';

/** Options of the model-zoo builders (`mobileNetV2`, `resNet50`, `inceptionV3`, `vgg16`). */
export interface ZooModelOptions {
  /** Height and width of the square RGB input; default the architecture's own (224, or 299 for InceptionV3). */
  inputSize?: number;
  /** Classes of the top Dense layer (softmax); default 1000. */
  classes?: number;
  /** Seed of every weight (each layer gets its own seed derived from it); default 0. */
  seed?: number;
}

/** The validated options with their defaults. */
export function zooOptions(options: ZooModelOptions, defaultSize: number, minSize: number): Required<ZooModelOptions> {
  if (typeof options !== 'object' || options === null) throw new LipkitError('options', 'must be an object');
  const { inputSize = defaultSize, classes = 1000, seed = 0 } = options;
  checkNumber('options.inputSize', inputSize, { min: minSize, max: 1024, integer: true });
  checkNumber('options.classes', classes, { min: 1, max: 100000, integer: true });
  checkNumber('options.seed', seed, { min: 0, max: 2 ** 31 - 1, integer: true });
  return { inputSize, classes, seed };
}

/**
 * Layer factories with seeded weights, shaped like Keras applications: convolutions without bias
 * (He normal), batch norms with gamma in [0.8, 1.2], beta in [-0.1, 0.1], moving mean in
 * [-0.1, 0.1] and moving variance in [0.5, 1.5] (random, so that merging a batch norm changes the
 * kernel), dense layers Glorot uniform. Weights are random: the models have real shapes and layer
 * types, not trained behaviour.
 */
export class ZooBuilder {
  private next: number;
  constructor(seed: number) { this.next = seed * 7919 + 1; }

  private seed(): number { this.next = (this.next * 48271) % 2147483647; return this.next; }

  conv(x: tfl.SymbolicTensor, filters: number, kernel: number | [number, number], opts: { strides?: number; padding?: 'same' | 'valid'; name: string; bias?: boolean }): tfl.SymbolicTensor {
    return tfl.layers.conv2d({
      filters, kernelSize: kernel, strides: opts.strides ?? 1, padding: opts.padding ?? 'same', useBias: opts.bias ?? false, name: opts.name,
      kernelInitializer: tfl.initializers.heNormal({ seed: this.seed() }),
      biasInitializer: tfl.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: this.seed() }),
    }).apply(x) as tfl.SymbolicTensor;
  }

  depthwise(x: tfl.SymbolicTensor, opts: { strides?: number; padding?: 'same' | 'valid'; name: string }): tfl.SymbolicTensor {
    return tfl.layers.depthwiseConv2d({
      kernelSize: 3, strides: opts.strides ?? 1, padding: opts.padding ?? 'same', useBias: false, name: opts.name,
      depthwiseInitializer: tfl.initializers.heNormal({ seed: this.seed() }),
    }).apply(x) as tfl.SymbolicTensor;
  }

  bn(x: tfl.SymbolicTensor, name: string, scale = true): tfl.SymbolicTensor {
    return tfl.layers.batchNormalization({
      name, scale, epsilon: 1e-3,
      gammaInitializer: tfl.initializers.randomUniform({ minval: 0.8, maxval: 1.2, seed: this.seed() }),
      betaInitializer: tfl.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: this.seed() }),
      movingMeanInitializer: tfl.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: this.seed() }),
      movingVarianceInitializer: tfl.initializers.randomUniform({ minval: 0.5, maxval: 1.5, seed: this.seed() }),
    }).apply(x) as tfl.SymbolicTensor;
  }

  dense(x: tfl.SymbolicTensor, units: number, name: string, activation: 'relu' | 'softmax' | 'linear' = 'linear'): tfl.SymbolicTensor {
    return tfl.layers.dense({
      units, activation, name,
      kernelInitializer: tfl.initializers.glorotUniform({ seed: this.seed() }),
      biasInitializer: tfl.initializers.randomUniform({ minval: -0.1, maxval: 0.1, seed: this.seed() }),
    }).apply(x) as tfl.SymbolicTensor;
  }
}

/** Applies a weightless layer. */
export function apply(layer: tfl.layers.Layer, x: tfl.SymbolicTensor | tfl.SymbolicTensor[]): tfl.SymbolicTensor {
  return layer.apply(x) as tfl.SymbolicTensor;
}
