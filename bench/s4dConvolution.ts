// Causal convolution of the S4D layer on wasm: Toeplitz (gather + batched matMul), depthwise
// convolution and direct float64 loops, forward + backward, median of 5 after warm-up. Run: npx tsx bench/s4dConvolution.ts
import { tf, setBackend, causalConvolution, type CausalConvolutionMethod } from 'lipkit';

const backend = (process.argv[2] as 'wasm' | 'cpu' | undefined) ?? 'wasm';
await setBackend(backend);
const rows: string[] = [];
// batch 16, 32 channels at three lengths; batch 4, 64 channels, length 200: a continuity-study step
for (const [batch, channels, length] of [[16, 32, 64], [16, 32, 256], [16, 32, 784], [4, 64, 200]]) {
  const u = tf.randomNormal([batch, length, channels], 0, 1, 'float32', 1) as tf.Tensor3D;
  const k = tf.randomNormal([channels, length], 0, 0.1, 'float32', 2) as tf.Tensor2D;
  const times: Record<string, number> = {};
  const outs: Record<string, Float32Array> = {};
  for (const method of ['toeplitz', 'toeplitzBroadcast', 'depthwise', 'direct'] as CausalConvolutionMethod[]) {
    const step = (): void => {
      const g = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.square(causalConvolution(a as tf.Tensor3D, b as tf.Tensor2D, method))));
      const [ga, gb] = g([u, k]);
      ga.dataSync(); gb.dataSync();
      outs[method] = Float32Array.from(gb.dataSync());
      ga.dispose(); gb.dispose();
    };
    step();
    const ts: number[] = [];
    for (let r = 0; r < 5; r++) { const t0 = performance.now(); step(); ts.push(performance.now() - t0); }
    ts.sort((a, b) => a - b);
    times[method] = ts[2];
  }
  let diff = 0; let scale = 0;
  for (let i = 0; i < outs.toeplitz.length; i++) { diff = Math.max(diff, Math.abs(outs.toeplitz[i] - outs.direct[i])); scale = Math.max(scale, Math.abs(outs.toeplitz[i])); }
  rows.push(`| ${batch} | ${channels} | ${length} | ${times.toeplitz.toFixed(1)} | ${times.toeplitzBroadcast.toFixed(1)} | ${times.depthwise.toFixed(1)} | ${times.direct.toFixed(1)} | ${(diff / scale).toExponential(1)} |`);
  u.dispose(); k.dispose();
}
console.log(`${backend}, fwd+bwd ms (median of 5)`);
console.log('| B | H | L | toeplitz (gather) | toeplitz (broadcast) | depthwise | direct | rel. diff of dK (toeplitz vs direct) |');
console.log('|---|---|---|---|---|---|---|---|');
for (const r of rows) console.log(r);
