import * as tfl from '@tensorflow/tfjs-layers';
import { mulberry32 } from '../../src/util/random.js';

/** The layer families the soundness property test and `npm run fuzz` draw from. */
export const FAMILIES = ['dense', 'conv1d', 'conv2d', 'depthwise', 'separable', 'pooling', 'residual', 'concat', 'nested', 'zoo'] as const;
export type Family = typeof FAMILIES[number];

/** A random model with its input shape and a description of what was drawn. */
export interface RandomModel { model: tfl.LayersModel; inputShape: number[]; family: Family; description: string[] }

type Init = ReturnType<typeof tfl.initializers.zeros>;

const ACTIVATIONS = ['relu', 'tanh', 'sigmoid', 'elu', 'softplus', 'linear', 'gelu', 'selu', 'swish', 'relu6', 'softsign'] as const;

/** Seeded choices (mulberry32): the same model for the same seed on every machine. */
class Draw {
  private readonly next: () => number;
  constructor(seed: number) { this.next = mulberry32(seed, 0x2545f491); }
  uniform(): number { return this.next() / 4294967296; }
  int(lo: number, hi: number): number { return lo + Math.floor(this.uniform() * (hi - lo + 1)); }
  pick<T>(xs: readonly T[]): T { return xs[Math.floor(this.uniform() * xs.length)]; }
  bool(p = 0.5): boolean { return this.uniform() < p; }
}

/**
 * A small random model of `family` (or a family drawn from the seed): random sizes, strides,
 * dilations, paddings, activations, and random weights with a random scale (0.2 .. 2 x Glorot),
 * so that both contracting and expanding layers occur. Every model is supported by lipkit's rules.
 */
export function randomModel(seed: number, family?: Family): RandomModel {
  // Some draws crop or pool a feature map down to zero size (TF.js then computes on empty tensors,
  // wasm's global max pooling returns uninitialized memory) or do not fit at all: redraw those.
  for (let attempt = 0; ; attempt++) {
    let rm: RandomModel;
    try {
      rm = drawModel(attempt === 0 ? seed : seed + attempt * 1_000_003, family);
    } catch {
      continue; // a draw whose shapes do not fit (e.g. a 'valid' kernel larger than the map)
    }
    const empty = rm.model.layers.some((l) => {
      const shapes = (Array.isArray(l.outputShape[0]) ? l.outputShape : [l.outputShape]) as (number | null)[][];
      return shapes.some((s) => s.some((v) => v === 0));
    });
    if (!empty) return rm;
    rm.model.dispose();
  }
}

function drawModel(seed: number, family?: Family): RandomModel {
  const r = new Draw(seed);
  const fam = family ?? r.pick(FAMILIES);
  const desc: string[] = [fam];
  let wseed = seed * 101;
  const scale = 0.2 + 1.8 * r.uniform();
  const kernel = (): Init => tfl.initializers.varianceScaling({ scale: scale * scale, mode: 'fanAvg', distribution: 'normal', seed: ++wseed });
  const bias = (): Init => tfl.initializers.randomUniform({ minval: -0.5, maxval: 0.5, seed: ++wseed });
  const act = (): string => r.pick(ACTIVATIONS);
  const bn = (): tfl.layers.Layer => {
    const center = r.bool(0.7); const sc = r.bool(0.7);
    desc.push(`bn(center ${center}, scale ${sc})`);
    return tfl.layers.batchNormalization({
      center, scale: sc, gammaInitializer: tfl.initializers.randomUniform({ minval: -2, maxval: 2, seed: ++wseed }), betaInitializer: bias(),
      movingMeanInitializer: bias(), movingVarianceInitializer: tfl.initializers.randomUniform({ minval: 0.2, maxval: 2, seed: ++wseed }),
    });
  };
  const dense = (units: number): tfl.layers.Layer => {
    const a = act();
    desc.push(`dense ${units} ${a}`);
    return tfl.layers.dense({ units, activation: a as 'relu', kernelInitializer: kernel(), biasInitializer: bias() });
  };
  const conv2d = (): tfl.layers.Layer => {
    const dil = r.bool(0.3) ? 2 : 1;
    const strides = dil === 1 && r.bool(0.4) ? 2 : 1;
    const padding = r.pick(['same', 'valid'] as const);
    const k = r.int(1, 3);
    const a = act();
    desc.push(`conv2d k${k} s${strides} d${dil} ${padding} ${a}`);
    return tfl.layers.conv2d({ filters: r.int(1, 4), kernelSize: k, strides, dilationRate: dil, padding, activation: a as 'relu', kernelInitializer: kernel(), biasInitializer: bias() });
  };
  const h = r.int(6, 9);
  const w = r.int(6, 9);
  const c = r.int(1, 3);
  const image = [h, w, c];
  const head = (): tfl.layers.Layer[] => {
    const g = r.pick(['flatten', 'gap', 'gmp'] as const);
    desc.push(g);
    const pool = g === 'flatten' ? tfl.layers.flatten({}) : g === 'gap' ? tfl.layers.globalAveragePooling2d({}) : tfl.layers.globalMaxPooling2d({});
    return [pool, dense(r.int(1, 4))];
  };
  const seq = (inputShape: number[], layers: tfl.layers.Layer[]): RandomModel => {
    const model = tfl.sequential();
    try {
      model.add(tfl.layers.inputLayer({ inputShape }));
      for (const l of layers) model.add(l);
    } catch (e) {
      model.dispose();
      for (const l of layers) {
        try { l.dispose(); } catch { /* not built, or disposed with the model */ }
      }
      throw e;
    }
    return { model, inputShape, family: fam, description: desc };
  };

  switch (fam) {
    case 'dense': {
      const d = r.int(1, 8);
      const layers: tfl.layers.Layer[] = [];
      for (let i = r.int(1, 3); i > 0; i--) {
        layers.push(dense(r.int(1, 8)));
        if (r.bool(0.3)) layers.push(bn());
      }
      return seq([d], layers);
    }
    case 'conv1d': {
      const layers: tfl.layers.Layer[] = [];
      for (let i = r.int(1, 2); i > 0; i--) {
        const dil = r.bool(0.4) ? r.int(2, 3) : 1;
        const strides = dil === 1 && r.bool(0.4) ? 2 : 1;
        const padding = r.pick(['same', 'valid'] as const);
        const a = act();
        desc.push(`conv1d k3 s${strides} d${dil} ${padding} ${a}`);
        layers.push(tfl.layers.conv1d({ filters: r.int(1, 3), kernelSize: 3, strides, dilationRate: dil, padding, activation: a as 'relu', kernelInitializer: kernel(), biasInitializer: bias() }));
      }
      if (r.bool(0.5)) { const m = r.bool(); desc.push(m ? 'maxpool1d' : 'avgpool1d'); layers.push(m ? tfl.layers.maxPooling1d({ poolSize: 2, strides: r.int(1, 2), padding: 'same' }) : tfl.layers.averagePooling1d({ poolSize: 2, strides: r.int(1, 2), padding: 'same' })); }
      layers.push(tfl.layers.flatten({}), dense(r.int(1, 3)));
      return seq([r.int(12, 20), r.int(1, 3)], layers);
    }
    case 'conv2d': {
      const layers = [conv2d()];
      if (r.bool(0.5)) layers.push(bn());
      if (r.bool(0.5)) layers.push(conv2d());
      return seq(image, [...layers, ...head()]);
    }
    case 'depthwise': {
      const mult = r.int(1, 2);
      const strides = r.bool(0.3) ? 2 : 1;
      const dil = strides === 1 && r.bool(0.3) ? 2 : 1;
      const padding = r.pick(['same', 'valid'] as const);
      desc.push(`depthwise m${mult} s${strides} d${dil} ${padding}`);
      const layers: tfl.layers.Layer[] = [tfl.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: mult, strides, dilationRate: dil, padding, depthwiseInitializer: kernel(), biasInitializer: bias() })];
      if (r.bool(0.5)) layers.push(bn());
      layers.push(tfl.layers.activation({ activation: act() as 'relu' }));
      return seq(image, [...layers, ...head()]);
    }
    case 'separable': {
      const dil = r.bool(0.3) ? 2 : 1;
      const padding = r.pick(['same', 'valid'] as const);
      desc.push(`separable d${dil} ${padding}`);
      return seq(image, [tfl.layers.separableConv2d({ filters: r.int(1, 4), kernelSize: 3, dilationRate: dil, padding, depthMultiplier: 1, activation: act() as 'relu', depthwiseInitializer: kernel(), pointwiseInitializer: kernel(), biasInitializer: bias() }), ...head()]);
    }
    case 'pooling': {
      const layers: tfl.layers.Layer[] = [];
      if (r.bool(0.4)) { desc.push('upsample'); layers.push(tfl.layers.upSampling2d({ size: [r.int(1, 2), r.int(1, 2)] })); }
      if (r.bool(0.3)) { desc.push('zeropad'); layers.push(tfl.layers.zeroPadding2d({ padding: r.int(1, 2) })); }
      const pool = r.int(2, 3);
      const strides = r.int(1, pool);
      const padding = r.pick(['same', 'valid'] as const);
      const max = r.bool();
      desc.push(`${max ? 'max' : 'avg'}pool ${pool} s${strides} ${padding}`);
      layers.push(max ? tfl.layers.maxPooling2d({ poolSize: pool, strides, padding }) : tfl.layers.averagePooling2d({ poolSize: pool, strides, padding }));
      if (r.bool(0.3)) { desc.push('crop'); layers.push(tfl.layers.cropping2D({ cropping: [[1, 0], [0, 1]] })); }
      return seq(image, [conv2d(), ...layers, ...head()]);
    }
    case 'residual':
    case 'concat': {
      const input = tfl.input({ shape: image });
      const a = conv2dSame(r, kernel, bias, image[2], desc).apply(input) as tfl.SymbolicTensor;
      const b = r.bool(0.5) ? input : conv2dSame(r, kernel, bias, image[2], desc).apply(input) as tfl.SymbolicTensor;
      const merge = fam === 'residual' ? r.pick(['add', 'average'] as const) : r.pick(['concatenate', 'maximum'] as const);
      desc.push(merge);
      const merged = (merge === 'add' ? tfl.layers.add({}) : merge === 'average' ? tfl.layers.average({}) : merge === 'concatenate' ? tfl.layers.concatenate({}) : tfl.layers.maximum({})).apply([a, b]) as tfl.SymbolicTensor;
      let out = merged;
      for (const l of head()) out = l.apply(out) as tfl.SymbolicTensor;
      return { model: tfl.model({ inputs: input, outputs: out }), inputShape: image, family: fam, description: desc };
    }
    case 'zoo': {
      // Layers of Keras application models (issue 10): a MobileNetV2 inverted residual block, or
      // a decoder with a transposed convolution, bilinear upsampling and rescaling.
      const input = tfl.input({ shape: image });
      let x: tfl.SymbolicTensor = input;
      const relu6 = (): tfl.layers.Layer => tfl.layers.reLU({ maxValue: 6 });
      if (r.bool()) {
        const stride = r.int(1, 2);
        desc.push(`inverted residual s${stride}`);
        x = relu6().apply(bn().apply(tfl.layers.conv2d({ filters: 2 * c, kernelSize: 1, useBias: false, kernelInitializer: kernel() }).apply(x))) as tfl.SymbolicTensor;
        if (stride === 2) x = tfl.layers.zeroPadding2d({ padding: [[0, 1], [0, 1]] }).apply(x) as tfl.SymbolicTensor;
        x = tfl.layers.depthwiseConv2d({ kernelSize: 3, strides: stride, padding: stride === 2 ? 'valid' : 'same', useBias: false, depthwiseInitializer: kernel() }).apply(x) as tfl.SymbolicTensor;
        x = relu6().apply(bn().apply(x)) as tfl.SymbolicTensor;
        x = bn().apply(tfl.layers.conv2d({ filters: c, kernelSize: 1, useBias: false, kernelInitializer: kernel() }).apply(x)) as tfl.SymbolicTensor;
        if (stride === 1) x = tfl.layers.add({}).apply([input, x]) as tfl.SymbolicTensor;
      } else {
        const strides = r.int(1, 2);
        const padding = r.pick(['same', 'valid'] as const);
        const k = r.int(2, 3);
        desc.push(`conv2dTranspose k${k} s${strides} ${padding}, bilinear upsampling, rescaling`);
        x = tfl.layers.rescaling({ scale: 2 * r.uniform() - 1, offset: r.uniform() }).apply(x) as tfl.SymbolicTensor;
        x = tfl.layers.conv2dTranspose({ filters: r.int(1, 3), kernelSize: k, strides, padding, kernelInitializer: kernel(), biasInitializer: bias() }).apply(x) as tfl.SymbolicTensor;
        x = tfl.layers.activation({ activation: act() as 'relu' }).apply(x) as tfl.SymbolicTensor;
        x = tfl.layers.upSampling2d({ size: [r.int(1, 2), r.int(1, 2)], interpolation: 'bilinear' }).apply(x) as tfl.SymbolicTensor;
      }
      for (const l of head()) x = l.apply(x) as tfl.SymbolicTensor;
      return { model: tfl.model({ inputs: input, outputs: x }), inputShape: image, family: fam, description: desc };
    }
    case 'nested': {
      const d = r.int(2, 6);
      const inner = tfl.sequential({ layers: [tfl.layers.dense({ units: r.int(2, 6), inputShape: [d], activation: act() as 'relu', kernelInitializer: kernel(), biasInitializer: bias() }), dense(r.int(2, 5))] });
      desc.push('inner sequential');
      return seq([d], [inner, dense(r.int(1, 3))]);
    }
  }
}

/** A 'same' conv keeping the channel count (so that Add/Average/Maximum shapes agree). */
function conv2dSame(r: Draw, kernel: () => Init, bias: () => Init, channels: number, desc: string[]): tfl.layers.Layer {
  const a = r.pick(ACTIVATIONS);
  const dil = r.bool(0.3) ? 2 : 1;
  desc.push(`conv2d same d${dil} ${a}`);
  return tfl.layers.conv2d({ filters: channels, kernelSize: r.int(1, 3), padding: 'same', dilationRate: dil, activation: a as 'relu', kernelInitializer: kernel(), biasInitializer: bias() });
}
