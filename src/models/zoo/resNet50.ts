import * as tfl from '@tensorflow/tfjs-layers';
import { apply, ZooBuilder, zooOptions, type ZooModelOptions } from './zooBuilder.js';

/**
 * A ResNet50-shaped `tf.LayersModel` (He et al. 2016; the layer graph of
 * `keras.applications.ResNet50`) with seeded random weights: ZeroPadding2D(3) + 7x7 stride-2 conv,
 * BatchNormalization, ReLU, ZeroPadding2D(1) + 3x3 stride-2 max pooling, 16 bottleneck blocks
 * (1x1, 3x3, 1x1 convolutions with biases, each with a batch norm; a 1x1 projection shortcut in the
 * first block of each stage, stride 2 from the second stage on; Add; ReLU), global average pooling
 * and a softmax Dense. Input `[inputSize, inputSize, 3]`, default 224.
 */
export function resNet50(options: ZooModelOptions = {}): tfl.LayersModel {
  const { inputSize, classes, seed } = zooOptions(options, 224, 32);
  const b = new ZooBuilder(seed);
  const relu = (x: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor => apply(tfl.layers.activation({ activation: 'relu', name }), x);
  const input = tfl.input({ shape: [inputSize, inputSize, 3], name: 'input' });
  let x = apply(tfl.layers.zeroPadding2d({ padding: 3, name: 'conv1_pad' }), input);
  x = relu(b.bn(b.conv(x, 64, 7, { strides: 2, padding: 'valid', name: 'conv1_conv', bias: true }), 'conv1_bn'), 'conv1_relu');
  x = apply(tfl.layers.zeroPadding2d({ padding: 1, name: 'pool1_pad' }), x);
  x = apply(tfl.layers.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1_pool' }), x);
  const stages: [number, number, number][] = [[64, 3, 1], [128, 4, 2], [256, 6, 2], [512, 3, 2]];
  stages.forEach(([f, blocks, stride], si) => {
    for (let i = 0; i < blocks; i++) {
      const p = `conv${si + 2}_block${i + 1}_`;
      const s = i === 0 ? stride : 1;
      const shortcut = i === 0 ? b.bn(b.conv(x, 4 * f, 1, { strides: s, name: `${p}0_conv`, bias: true }), `${p}0_bn`) : x;
      let h = relu(b.bn(b.conv(x, f, 1, { strides: s, name: `${p}1_conv`, bias: true }), `${p}1_bn`), `${p}1_relu`);
      h = relu(b.bn(b.conv(h, f, 3, { name: `${p}2_conv`, bias: true }), `${p}2_bn`), `${p}2_relu`);
      h = b.bn(b.conv(h, 4 * f, 1, { name: `${p}3_conv`, bias: true }), `${p}3_bn`);
      x = relu(apply(tfl.layers.add({ name: `${p}add` }), [shortcut, h]), `${p}out`);
    }
  });
  x = apply(tfl.layers.globalAveragePooling2d({ name: 'avg_pool' }), x);
  x = b.dense(x, classes, 'predictions', 'softmax');
  return tfl.model({ inputs: input, outputs: x, name: 'resnet50_random' });
}
