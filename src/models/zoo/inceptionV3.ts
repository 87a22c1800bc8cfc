import * as tfl from '@tensorflow/tfjs-layers';
import { apply, ZooBuilder, zooOptions, type ZooModelOptions } from './zooBuilder.js';

type T = tfl.SymbolicTensor;

/**
 * An InceptionV3-shaped `tf.LayersModel` (Szegedy et al. 2016; the layer graph of
 * `keras.applications.InceptionV3`) with seeded random weights: every convolution is
 * conv (no bias) + BatchNormalization (scale false) + ReLU; the stem (3x3 stride 2 valid, 3x3 valid,
 * 3x3 same, max pooling, 1x1, 3x3 valid, max pooling), mixed0-2 (1x1 / 5x5 / double 3x3 / average
 * pooling branches), mixed3 (stride-2 reduction), mixed4-7 (factorized 1x7 / 7x1 branches), mixed8
 * (reduction), mixed9-10 (expanded 1x3 / 3x1 filter banks), all joined by Concatenate, then global
 * average pooling and a softmax Dense. Input `[inputSize, inputSize, 3]`, default 299 (minimum 75).
 */
export function inceptionV3(options: ZooModelOptions = {}): tfl.LayersModel {
  const { inputSize, classes, seed } = zooOptions(options, 299, 75);
  const b = new ZooBuilder(seed);
  let n = 0;
  const cbr = (x: T, f: number, k: [number, number], s = 1, padding: 'same' | 'valid' = 'same'): T => {
    n++;
    const h = b.bn(b.conv(x, f, k, { strides: s, padding, name: `conv2d_${n}` }), `batch_normalization_${n}`, false);
    return apply(tfl.layers.activation({ activation: 'relu', name: `activation_${n}` }), h);
  };
  let pools = 0;
  const maxPool = (x: T): T => apply(tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: `max_pooling2d_${++pools}` }), x);
  const avgPool = (x: T): T => apply(tfl.layers.averagePooling2d({ poolSize: 3, strides: 1, padding: 'same', name: `average_pooling2d_${++pools}` }), x);
  const concat = (xs: T[], name: string): T => apply(tfl.layers.concatenate({ name }), xs);

  const input = tfl.input({ shape: [inputSize, inputSize, 3], name: 'input' });
  let x = cbr(input, 32, [3, 3], 2, 'valid');
  x = cbr(x, 32, [3, 3], 1, 'valid');
  x = cbr(x, 64, [3, 3]);
  x = maxPool(x);
  x = cbr(x, 80, [1, 1], 1, 'valid');
  x = cbr(x, 192, [3, 3], 1, 'valid');
  x = maxPool(x);
  [32, 64, 64].forEach((poolFilters, i) => {
    const b1 = cbr(x, 64, [1, 1]);
    const b5 = cbr(cbr(x, 48, [1, 1]), 64, [5, 5]);
    const b3 = cbr(cbr(cbr(x, 64, [1, 1]), 96, [3, 3]), 96, [3, 3]);
    const bp = cbr(avgPool(x), poolFilters, [1, 1]);
    x = concat([b1, b5, b3, bp], `mixed${i}`);
  });
  {
    const b3 = cbr(x, 384, [3, 3], 2, 'valid');
    const bd = cbr(cbr(cbr(x, 64, [1, 1]), 96, [3, 3]), 96, [3, 3], 2, 'valid');
    x = concat([b3, bd, maxPool(x)], 'mixed3');
  }
  [128, 160, 160, 192].forEach((c, i) => {
    const b1 = cbr(x, 192, [1, 1]);
    const b7 = cbr(cbr(cbr(x, c, [1, 1]), c, [1, 7]), 192, [7, 1]);
    let bd = cbr(x, c, [1, 1]);
    bd = cbr(cbr(cbr(cbr(bd, c, [7, 1]), c, [1, 7]), c, [7, 1]), 192, [1, 7]);
    const bp = cbr(avgPool(x), 192, [1, 1]);
    x = concat([b1, b7, bd, bp], `mixed${4 + i}`);
  });
  {
    const b3 = cbr(cbr(x, 192, [1, 1]), 320, [3, 3], 2, 'valid');
    const b7 = cbr(cbr(cbr(cbr(x, 192, [1, 1]), 192, [1, 7]), 192, [7, 1]), 192, [3, 3], 2, 'valid');
    x = concat([b3, b7, maxPool(x)], 'mixed8');
  }
  for (let i = 0; i < 2; i++) {
    const b1 = cbr(x, 320, [1, 1]);
    const e = cbr(x, 384, [1, 1]);
    const b3 = concat([cbr(e, 384, [1, 3]), cbr(e, 384, [3, 1])], `mixed9_${i}`);
    const d = cbr(cbr(x, 448, [1, 1]), 384, [3, 3]);
    const bd = concat([cbr(d, 384, [1, 3]), cbr(d, 384, [3, 1])], `concatenate_${i + 1}`);
    const bp = cbr(avgPool(x), 192, [1, 1]);
    x = concat([b1, b3, bd, bp], `mixed${9 + i}`);
  }
  x = apply(tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }), x);
  x = b.dense(x, classes, 'predictions', 'softmax');
  return tfl.model({ inputs: input, outputs: x, name: 'inceptionv3_random' });
}
