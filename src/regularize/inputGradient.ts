import * as tf from '@tensorflow/tfjs-core';
import { checkModelOutput } from './checks.js';

/** A model as a function of its input batch: `[batch, ...] -> [batch, ...outputs]`. */
export type ModelFunction = (x: tf.Tensor) => tf.Tensor;

/** Output j of f on the batch, as [batch] (the output flattened per example). */
export function outputColumn(f: ModelFunction, p: tf.Tensor, j: number, outputs: number): tf.Tensor {
  return column(f(p), p.shape[0], j, outputs);
}

/** Column j of y viewed as [batch, outputs], as [batch]. */
export function column(y: tf.Tensor, batch: number, j: number, outputs: number): tf.Tensor {
  const flat = tf.reshape(y, [batch, outputs]);
  return outputs === 1 ? tf.reshape(flat, [batch]) : tf.reshape(tf.slice(flat, [0, j], [-1, 1]), [batch]);
}

/**
 * Per-example input gradients of output j, `d f_j(p_b) / d p_b` as a tensor shaped like p.
 * Exact for examples that do not interact (no batch statistics inside f). Differentiable in
 * f's weights (double backpropagation when used in a training loss).
 */
export function inputGradient(f: ModelFunction, p: tf.Tensor, j: number, outputs: number): tf.Tensor {
  return tf.grad((q: tf.Tensor) => tf.sum(outputColumn(f, q, j, outputs)))(p);
}

/**
 * The input gradient of output 0 together with the number of outputs per example, found from
 * the same forward pass (checked: a tensor with the batch as first axis).
 */
export function firstInputGradient(f: ModelFunction, p: tf.Tensor, keepOutput = false): { g: tf.Tensor; outputs: number; y: tf.Tensor | null } {
  let outputs = 0;
  let kept: tf.Tensor | null = null;
  const g = tf.grad((q: tf.Tensor) => {
    const y = f(q);
    outputs = checkModelOutput('f', y, q.shape[0]);
    // Kept outputs stay on the enclosing gradient tape, so a loss built on them is
    // differentiable in f's weights: one forward pass serves the loss and the penalty.
    if (keepOutput) kept = tf.keep(y);
    return tf.sum(column(y, q.shape[0], 0, outputs));
  })(p);
  return { g, outputs, y: kept };
}

/** Per-example Euclidean norms [batch] of a batch tensor (flattened per example); sqrt(s + 1e-12) keeps the gradient finite at 0. */
export function exampleNorms(g: tf.Tensor): tf.Tensor {
  return tf.sqrt(tf.add(tf.sum(tf.square(tf.reshape(g, [g.shape[0], -1])), 1), 1e-12));
}
