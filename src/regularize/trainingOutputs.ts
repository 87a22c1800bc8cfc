import * as tf from '@tensorflow/tfjs-core';

/**
 * The outputs a layer produced in training calls (`kwargs.training === true`) that are still
 * alive: tfjs-layers computes layer losses (`calculateLosses`) after the forward pass inside
 * the same tidy scope, so an activity loss is a function of the tensors kept here. Tensors
 * disposed by their scope are dropped; nothing is kept alive or disposed by this class.
 */
export class TrainingOutputs {
  private outputs: tf.Tensor[] = [];

  /** Records a training-call output. */
  track(t: tf.Tensor): void {
    this.outputs = this.outputs.filter((o) => !o.isDisposed);
    this.outputs.push(t);
  }

  /** Sum of `fn(output)` over the live training outputs (a scalar 0 when there is none). */
  sumOf(fn: (t: tf.Tensor) => tf.Scalar): tf.Scalar {
    this.outputs = this.outputs.filter((o) => !o.isDisposed);
    return tf.tidy(() => {
      let total: tf.Scalar = tf.scalar(0);
      for (const o of this.outputs) total = tf.add(total, fn(o));
      return total;
    });
  }
}
