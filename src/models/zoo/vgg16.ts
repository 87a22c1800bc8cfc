import * as tfl from '@tensorflow/tfjs-layers';
import { apply, ZooBuilder, zooOptions, type ZooModelOptions } from './zooBuilder.js';

/**
 * A VGG16-shaped `tf.LayersModel` (Simonyan & Zisserman 2015; `keras.applications.VGG16`) with
 * seeded random weights: five blocks of 3x3 'same' convolutions with biases and ReLU (64, 64 | 128,
 * 128 | 256 x 3 | 512 x 3 | 512 x 3), each closed by 2x2 max pooling, Flatten, Dense 4096, 4096
 * (ReLU) and a softmax Dense. Input `[inputSize, inputSize, 3]`, default 224 (then the first dense
 * kernel alone is 25088 x 4096).
 */
export function vgg16(options: ZooModelOptions = {}): tfl.LayersModel {
  const { inputSize, classes, seed } = zooOptions(options, 224, 32);
  const b = new ZooBuilder(seed);
  const input = tfl.input({ shape: [inputSize, inputSize, 3], name: 'input' });
  let x = input;
  const blocks: [number, number][] = [[64, 2], [128, 2], [256, 3], [512, 3], [512, 3]];
  blocks.forEach(([f, n], bi) => {
    for (let i = 0; i < n; i++) {
      x = b.conv(x, f, 3, { name: `block${bi + 1}_conv${i + 1}`, bias: true });
      x = apply(tfl.layers.activation({ activation: 'relu', name: `block${bi + 1}_relu${i + 1}` }), x);
    }
    x = apply(tfl.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `block${bi + 1}_pool` }), x);
  });
  x = apply(tfl.layers.flatten({ name: 'flatten' }), x);
  x = b.dense(x, 4096, 'fc1', 'relu');
  x = b.dense(x, 4096, 'fc2', 'relu');
  x = b.dense(x, classes, 'predictions', 'softmax');
  return tfl.model({ inputs: input, outputs: x, name: 'vgg16_random' });
}
