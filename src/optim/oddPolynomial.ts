import * as tf from '@tensorflow/tfjs-core';

/**
 * Odd matrix polynomials applied to the singular values of a matrix without an SVD: one step
 * `X <- X (a I + b A + c A^2)` with `A = X^T X` maps every singular value `s` of `X` to
 * `s (a + b s^2 + c s^4)` and keeps the singular vectors. Composing steps gives the
 * Newton-Schulz orthogonalization of Muon and the spectral caps of Newhouse et al. (2025).
 * The Gram matrix is taken on the smaller side (`X^T X` if rows >= cols, `X X^T` otherwise),
 * which gives the same map on the singular values at the cost of a min(rows, cols)^2 matrix.
 */

/** One step `(a, b, c)`: `s -> s (a + b s^2 + c s^4)`. */
export type OddStep = readonly [number, number, number];

/**
 * Quintic Newton-Schulz coefficients of Muon (Keller Jordan, "Muon: An optimizer for hidden
 * layers in neural networks", 2024, `zeropower_via_newtonschulz5`): (3.4445, -4.7750, 2.0315).
 * Chosen to maximize the slope at 0, not to converge: after 5 steps on X / ||X||_F the
 * singular values land in roughly [0.7, 1.2] instead of exactly 1.
 */
export const NEWTON_SCHULZ_STEP: OddStep = [3.4445, -4.775, 2.0315];

/**
 * Spectral hard cap coefficients (Newhouse et al. 2025, "Training Transformers with Enforced
 * Lipschitz Constants", repository phess2/lipschitz-transformers, `modula/atom.py`
 * `_hard_cap`, credited there to Franz Cecista): four steps whose composition approximates
 * `min(1, s)`. Measured in float64 (scripts/fixtures/oddPolynomialBounds.py): the composed
 * map stays within [0, 1.01089] for s in [0, 3.669], equals about 0.951 s near 0 and is
 * within 0.034 of min(1, s) on [0, 3.6]; beyond about 3.67 it leaves [0, 1.011].
 */
export const HARD_CAP_STEPS: readonly OddStep[] = [
  [0.805032, 0.206361, -0.019763],
  [0.649867, 0.162935, -0.01115],
  [1.810259, -0.200265, 0.008251],
  [1.004384, -0.18349, 0.014413],
];

/** Largest s for which the composed hard-cap polynomial is certified to stay in [0, HARD_CAP_MAX]. */
export const HARD_CAP_RANGE = 3.6;
/** Max of the composed hard-cap polynomial on [0, HARD_CAP_RANGE] (float64 scan, rounded up). */
export const HARD_CAP_MAX = 1.0109;

/**
 * Soft cap steps of Newhouse et al. 2025 (`_soft_cap`): `X (I - alpha A)` then `X (I + alpha A)`.
 */
export function softCapSteps(alpha: number): OddStep[] {
  return [[1, -alpha, 0], [1, alpha, 0]];
}

/** Bjorck-Bowie orthonormalization step `(1 + beta) X - beta X X^T X` (deel-lip's `bjorck_normalization`). */
export function bjorckStep(beta: number): OddStep {
  return [1 + beta, -beta, 0];
}

/** The scalar map of a sequence of steps on one singular value (float64). */
export function oddPolynomialScalar(steps: readonly OddStep[], s: number): number {
  let x = s;
  for (const [a, b, c] of steps) {
    const x2 = x * x;
    x = x * (a + b * x2 + c * x2 * x2);
  }
  return x;
}

/**
 * Applies the steps to a 2-D matrix `x` [rows, cols] (tensor-level, differentiable, no read
 * back). Returns a new tensor; the caller disposes it. `firstGram`: the caller's `Y Y^T` of the
 * wide orientation `Y` (`x^T` when rows > cols, else `x`), [min, min], reused by the first step
 * instead of being recomputed (one product fewer; not disposed).
 */
export function oddPolynomialIteration(x: tf.Tensor2D, steps: readonly OddStep[], firstGram?: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const [rows, cols] = x.shape;
    // Work on the wide orientation [p, q] with p <= q, Gram G = X X^T [p, p]:
    // X (a I + b X^T X + c (X^T X)^2) = (a I + b G + c G^2) X.
    const wide = rows > cols;
    let m = wide ? tf.transpose(x) : x;
    let given = firstGram;
    for (const [a, b, c] of steps) {
      const g = given ?? tf.matMul(m, tf.transpose(m));
      given = undefined;
      const bgx = tf.matMul(g, m);
      let next = tf.add(tf.mul(m, a), tf.mul(bgx, b));
      if (c !== 0) next = tf.add(next, tf.mul(tf.matMul(g, bgx), c));
      m = next as tf.Tensor2D;
    }
    return (wide ? tf.transpose(m) : m) as tf.Tensor2D;
  });
}

/**
 * Muon's orthogonalization `zeropower_via_newtonschulz5`: `X = G / (||G||_F + 1e-7)`, then
 * `steps` quintic Newton-Schulz steps with `NEWTON_SCHULZ_STEP`. The result has the singular
 * vectors of G and singular values in about [0.7, 1.2] (an approximate orthogonalization,
 * not a certified one). Tensor-level; the caller disposes the result.
 */
export function newtonSchulz(g: tf.Tensor2D, steps = 5): tf.Tensor2D {
  return tf.tidy(() => {
    const x = tf.div(g, tf.add(tf.norm(g), 1e-7)) as tf.Tensor2D;
    return oddPolynomialIteration(x, new Array<OddStep>(steps).fill(NEWTON_SCHULZ_STEP));
  });
}
