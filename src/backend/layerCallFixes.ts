import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-layers';

type Kwargs = Record<string, unknown>;
type Call = (this: unknown, inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs) => tf.Tensor | tf.Tensor[];
interface LayerProto { call: Call }

/** A tfjs-layers class's prototype, looked up by its registered class name. */
function prototypeOf(className: string): LayerProto | undefined {
  const map = (tf.serialization.SerializationMap.getMap() as unknown as { classNameMap: Record<string, [{ prototype: LayerProto }, unknown] | undefined> }).classNameMap;
  return map[className]?.[0].prototype;
}

const one = (inputs: tf.Tensor | tf.Tensor[]): tf.Tensor => (Array.isArray(inputs) ? inputs[0] : inputs);

interface ConvLayer {
  rank: number; dilationRate: number | number[]; dataFormat: string; padding: string; strides: number[];
  kernel: { read(): tf.Tensor }; bias: { read(): tf.Tensor } | null; activation: { apply(t: tf.Tensor): tf.Tensor } | null;
}

/**
 * tfjs-layers' Conv2D runs `tf.fused.conv2d`, whose gradient (a closure inside the op) asserts
 * dilation 1: a dilated Conv2D layer cannot be differentiated at all. For dilation > 1 the layer
 * here runs the same map as `tf.conv2d` + bias + activation, whose Conv2D kernel gradient lipkit
 * makes dilation-capable (`installDilatedConvGradients`). Dilation 1 is left to tfjs-layers.
 */
function conv2DCall(stock: Call): Call {
  return function call(this: unknown, inputs, kwargs) {
    const l = this as ConvLayer;
    const d = Array.isArray(l.dilationRate) ? l.dilationRate : [l.dilationRate, l.dilationRate];
    if (l.rank !== 2 || d.every((v) => v === 1) || l.dataFormat !== 'channelsLast') return stock.call(this, inputs, kwargs);
    return tf.tidy(() => {
      let y: tf.Tensor = tf.conv2d(one(inputs) as tf.Tensor4D, l.kernel.read() as tf.Tensor4D, l.strides as [number, number],
        l.padding === 'same' ? 'same' : 'valid', 'NHWC', d as [number, number]);
      if (l.bias) y = tf.add(y, l.bias.read());
      return l.activation ? l.activation.apply(y) : y;
    });
  };
}

interface BatchNormLayer {
  axis: number; center: boolean; scale: boolean; epsilon: number;
  movingMean: { read(): tf.Tensor }; movingVariance: { read(): tf.Tensor };
  beta: { read(): tf.Tensor } | null; gamma: { read(): tf.Tensor } | null;
}

/**
 * tfjs-layers' BatchNormalization with `center: false` or `scale: false` passes an undefined
 * offset/scale to the FusedBatchNorm kernel: the forward pass works, but any gradient through it
 * fails inside TF.js (an undefined input in the tape). In inference mode such a layer here computes
 * the same map with differentiable ops, (x - mean) gamma / sqrt(var + eps) + beta, with gamma = 1 or
 * beta = 0 where absent. Training mode and layers with both weights are left to tfjs-layers.
 */
function batchNormCall(stock: Call): Call {
  return function call(this: unknown, inputs, kwargs) {
    const l = this as BatchNormLayer;
    if (kwargs?.training === true || (l.center && l.scale)) return stock.call(this, inputs, kwargs);
    return tf.tidy(() => {
      const x = one(inputs);
      const axis = l.axis >= 0 ? l.axis : l.axis + x.rank;
      const shape = x.shape.map((s, i) => (i === axis ? s : 1));
      const bc = (t: tf.Tensor): tf.Tensor => tf.reshape(t, shape);
      let factor = tf.rsqrt(tf.add(bc(l.movingVariance.read()), l.epsilon));
      if (l.scale && l.gamma) factor = tf.mul(factor, bc(l.gamma.read()));
      const y = tf.mul(tf.sub(x, bc(l.movingMean.read())), factor);
      return l.center && l.beta ? tf.add(y, bc(l.beta.read())) : y;
    });
  };
}

const PATCHES: [string, (stock: Call) => Call][] = [['Conv2D', conv2DCall], ['BatchNormalization', batchNormCall]];
const saved = new Map<string, { proto: LayerProto; own: boolean; stock: Call }>();

/** Installs the Conv2D (dilated) and BatchNormalization (center/scale false) call fixes (idempotent). */
export function installLayerCallFixes(): void {
  for (const [name, make] of PATCHES) {
    if (saved.has(name)) continue;
    const proto = prototypeOf(name);
    if (!proto) continue;
    const own = Object.prototype.hasOwnProperty.call(proto, 'call');
    const stock = proto.call;
    saved.set(name, { proto, own, stock });
    Object.defineProperty(proto, 'call', { value: make(stock), writable: true, configurable: true });
  }
}

/** Restores tfjs-layers' own `call` of those classes. */
export function uninstallLayerCallFixes(): void {
  for (const [name, s] of saved) {
    if (s.own) Object.defineProperty(s.proto, 'call', { value: s.stock, writable: true, configurable: true });
    else delete (s.proto as Partial<LayerProto>).call;
    saved.delete(name);
  }
}
