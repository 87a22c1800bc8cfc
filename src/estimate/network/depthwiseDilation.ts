import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

let applied: boolean | undefined;

/**
 * Whether tfjs-layers' DepthwiseConv2D applies its `dilationRate`. tfjs-layers 4.22 does not (its
 * call passes null for the dilation, and its output shape ignores it too): such a layer computes
 * the undilated convolution, and a bound must describe that map, not the configured one. Decided
 * once by a forward probe rather than by the version: a 2x2 all-ones kernel with dilation 2 on a
 * 3x3 'valid' input gives one output if the dilation is applied and 2x2 outputs if it is ignored.
 */
export function depthwiseDilationApplied(): boolean {
  if (applied !== undefined) return applied;
  const layer = tfl.layers.depthwiseConv2d({ kernelSize: 2, dilationRate: 2, padding: 'valid', useBias: false, depthwiseInitializer: 'ones' });
  try {
    const shape = tf.tidy(() => (layer.apply(tf.ones([1, 3, 3, 1])) as tf.Tensor).shape);
    applied = shape[1] === 1 && shape[2] === 1;
  } finally {
    layer.dispose();
  }
  return applied;
}
