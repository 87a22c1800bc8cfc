import * as tf from '@tensorflow/tfjs-core';

/**
 * The activity losses of a layer's training calls (`kwargs.training === true`), computed in
 * the call itself and kept: a model's `apply` runs its layers inside a tidy scope that frees
 * every intermediate output before `calculateLosses()` runs, so the loss cannot be computed
 * later from the output. Gradients still flow (the tape holds its own copies).
 *
 * Reading (`read`, what the layer registers with `addLoss`) returns the sum of the losses
 * recorded since the previous read, or the same sum again if no training call came in between;
 * the next training call after a read frees the old ones. So a layer keeps at most the
 * scalars of its last training step alive (one per call), and `dispose` frees them.
 */
export class TrainingLosses {
  private losses: tf.Scalar[] = [];
  private stale = false;

  /** Records the loss of one training call (computed by `fn`, kept). */
  record(fn: () => tf.Scalar): void {
    if (this.stale) this.dispose();
    this.losses.push(tf.keep(tf.tidy(fn)));
  }

  /** Sum of the recorded losses (a new scalar; 0 when there is none). */
  read(): tf.Scalar {
    this.stale = true;
    const live = this.losses.filter((l) => !l.isDisposed);
    if (live.length === 0) return tf.scalar(0);
    return live.length === 1 ? tf.add(live[0], 0) : tf.addN(live);
  }

  /** Frees the kept losses. */
  dispose(): void {
    tf.dispose(this.losses);
    this.losses = [];
    this.stale = false;
  }
}
