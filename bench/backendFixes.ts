// Speed of lipkit's wasm fixes, stock vs fixed (run: npx tsx bench/backendFixes.ts). Not part of npm test.
import { tf, setBackend, installBackendFixes, uninstallBackendFixes } from 'lipkit';
import { medianMs } from './timing.js';

await setBackend('wasm');
const a = tf.randomNormal([1024, 1024], 0, 1, 'float32', 1);
const b = tf.randomNormal([1024, 1024], 0, 1, 'float32', 2);
const x = tf.randomNormal([64, 32, 32, 32], 0, 1, 'float32', 3) as tf.Tensor4D;
const w = tf.randomNormal([3, 3, 32, 32], 0, 0.1, 'float32', 4) as tf.Tensor4D;
const rows: string[] = [];
for (const fixed of [false, true]) {
  if (fixed) installBackendFixes(); else uninstallBackendFixes();
  const label = fixed ? 'fixed' : 'stock';
  for (const [ta, tb] of [[false, false], [true, false], [false, true], [true, true]]) {
    rows.push(`${label} matMul 1024 tA=${ta} tB=${tb}: ${medianMs(() => tf.matMul(a, b, ta, tb), 3).toFixed(1)} ms`);
  }
  const mlp = [tf.variable(tf.randomNormal([2, 256], 0, 0.5)), tf.variable(tf.randomNormal([256, 256], 0, 0.06)), tf.variable(tf.randomNormal([256, 1], 0, 0.06))];
  const xb = tf.randomNormal([512, 2]);
  rows.push(`${label} MLP 2-256-256-1 grads, batch 512: ${medianMs(() => {
    const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(tf.matMul(tf.tanh(tf.matMul(tf.tanh(tf.matMul(xb, mlp[0])), mlp[1])), mlp[2]))) as tf.Scalar);
    return [value, ...Object.values(grads)];
  }).toFixed(1)} ms`);
  tf.dispose([...mlp, xb]);
  try {
    rows.push(`${label} conv2d 3x3 32->32 32x32 batch 64 fwd+bwd: ${medianMs(() => tf.grads((xx: tf.Tensor, ww: tf.Tensor) =>
      tf.sum(tf.conv2d(xx as tf.Tensor4D, ww as tf.Tensor4D, 1, 'same')))([x, w]), 3).toFixed(1)} ms`);
    rows.push(`${label}   of which filter gradient only: ${medianMs(() => tf.grad((ww: tf.Tensor) =>
      tf.sum(tf.conv2d(x, ww as tf.Tensor4D, 1, 'same')))(w), 3).toFixed(1)} ms, forward only: ${medianMs(() => tf.conv2d(x, w, 1, 'same'), 3).toFixed(1)} ms`);
  } catch (e) {
    rows.push(`${label} conv2d fwd+bwd: fails (${(e as Error).message.slice(0, 60)})`);
  }
  console.log(rows.splice(0).join('\n'));
}
