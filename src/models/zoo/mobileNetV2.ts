import * as tfl from '@tensorflow/tfjs-layers';
import { apply, ZooBuilder, zooOptions, type ZooModelOptions } from './zooBuilder.js';

/** (expansion t, output channels c, repeats n, first stride s) of MobileNetV2's inverted residual stages. */
const STAGES: [number, number, number, number][] = [
  [1, 16, 1, 1], [6, 24, 2, 2], [6, 32, 3, 2], [6, 64, 4, 2], [6, 96, 3, 1], [6, 160, 3, 2], [6, 320, 1, 1],
];

/**
 * A MobileNetV2-shaped `tf.LayersModel` (Sandler et al. 2018; the layer graph of
 * `keras.applications.MobileNetV2`, alpha 1) with seeded random weights: a 3x3 stride-2 stem,
 * 17 inverted residual blocks (1x1 expansion, ZeroPadding2D + 3x3 DepthwiseConv2D, 1x1
 * projection, each followed by BatchNormalization, ReLU(maxValue 6) after the first two, Add when
 * shapes agree: 52 batch norms, 17 depthwise convolutions, 10 residual Adds), a 1x1 conv to 1280,
 * GlobalAveragePooling2D and a softmax Dense. Input `[inputSize, inputSize, 3]`, default 224.
 */
export function mobileNetV2(options: ZooModelOptions = {}): tfl.LayersModel {
  const { inputSize, classes, seed } = zooOptions(options, 224, 32);
  const b = new ZooBuilder(seed);
  const input = tfl.input({ shape: [inputSize, inputSize, 3], name: 'input' });
  const relu6 = (x: tfl.SymbolicTensor, name: string): tfl.SymbolicTensor => apply(tfl.layers.reLU({ maxValue: 6, name }), x);
  let x = relu6(b.bn(b.conv(input, 32, 3, { strides: 2, name: 'Conv1' }), 'bn_Conv1'), 'Conv1_relu');
  let channels = 32;
  let block = 0;
  for (const [t, c, n, s] of STAGES) {
    for (let i = 0; i < n; i++) {
      const stride = i === 0 ? s : 1;
      const p = block === 0 ? 'expanded_conv_' : `block_${block}_`;
      const inp = x;
      let h = x;
      if (t !== 1) h = relu6(b.bn(b.conv(h, channels * t, 1, { name: `${p}expand` }), `${p}expand_BN`), `${p}expand_relu`);
      if (stride === 2) {
        const size = h.shape[1] as number;
        const pad: [[number, number], [number, number]] = size % 2 === 0 ? [[0, 1], [0, 1]] : [[1, 1], [1, 1]];
        h = apply(tfl.layers.zeroPadding2d({ padding: pad, name: `${p}pad` }), h);
      }
      h = b.depthwise(h, { strides: stride, padding: stride === 2 ? 'valid' : 'same', name: `${p}depthwise` });
      h = relu6(b.bn(h, `${p}depthwise_BN`), `${p}depthwise_relu`);
      h = b.bn(b.conv(h, c, 1, { name: `${p}project` }), `${p}project_BN`);
      if (stride === 1 && channels === c) h = apply(tfl.layers.add({ name: `${p}add` }), [inp, h]);
      x = h;
      channels = c;
      block++;
    }
  }
  x = relu6(b.bn(b.conv(x, 1280, 1, { name: 'Conv_1' }), 'Conv_1_bn'), 'out_relu');
  x = apply(tfl.layers.globalAveragePooling2d({ name: 'global_average_pooling2d' }), x);
  x = b.dense(x, classes, 'predictions', 'softmax');
  return tfl.model({ inputs: input, outputs: x, name: 'mobilenetv2_random' });
}
