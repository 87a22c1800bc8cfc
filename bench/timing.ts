// Timing helper shared by the side benchmarks (bench/*.ts). Not part of npm test.
import { tf } from 'lipkit';

/** Median wall time in ms of `fn` (its results are read back and disposed), after one warm-up run. */
export function medianMs(fn: () => tf.Tensor | tf.Tensor[], reps = 5): number {
  const run = (): void => { const r = fn(); const ts = Array.isArray(r) ? r : [r]; ts.forEach((t) => t.dataSync()); tf.dispose(ts); };
  run();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) { const t = performance.now(); run(); times.push(performance.now() - t); }
  times.sort((a, b) => a - b);
  return times[Math.floor(reps / 2)];
}
