// Speed of lipkit's wasm Conv2DBackpropInput, stock vs fixed (run: npx tsx bench/wasmConv2DBackpropInput.ts). Not part of npm test.
// The filter gradient (Conv2DBackpropFilter, absent from stock tfjs-wasm) is lipkit's in both rows.
import { tf, setBackend, installWasmConv2DBackpropInput, uninstallWasmConv2DBackpropInput } from 'lipkit';
import { medianMs } from './timing.js';

await setBackend('wasm');
const x = tf.randomNormal([64, 32, 32, 32], 0, 1, 'float32', 3) as tf.Tensor4D;
const w = tf.randomNormal([3, 3, 32, 32], 0, 0.1, 'float32', 4) as tf.Tensor4D;
for (const fixed of [false, true]) {
  if (fixed) installWasmConv2DBackpropInput(); else uninstallWasmConv2DBackpropInput();
  const label = fixed ? 'lipkit Conv2DBackpropInput' : 'stock Conv2DBackpropInput';
  for (const [s, pad] of [[1, 'same'], [2, 'same'], [3, 'valid']] as const) {
    const dy = tf.conv2d(x, w, s, pad);
    const fwd = medianMs(() => tf.conv2d(x, w, s, pad), 3);
    const dx = medianMs(() => tf.conv2dTranspose(dy, w, x.shape, s, pad), 3);
    const step = medianMs(() => tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
      tf.sum(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, s, pad)))([x, w]), 3);
    console.log(`${label} conv2d 3x3 32->32 32x32 batch 64 stride ${s} ${pad}: forward ${fwd.toFixed(1)} ms, Conv2DBackpropInput ${dx.toFixed(1)} ms, fwd+bwd (dx, dW) ${step.toFixed(1)} ms`);
    dy.dispose();
  }
}
