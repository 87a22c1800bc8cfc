import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { convGeometry, type ConvPadding } from './convGeometry.js';
import { convOperator } from './convOperator.js';
import { spectrumPlan } from './convSpectrum.js';
import { scanFrequencies } from './convFrequencyScan.js';
import { convDenseUpperBound, denseRouteApplies } from './convDenseOperator.js';
import { jacobiSingularValues } from '../exactSingularValues.js';
import { powerIteration, type PowerIterationOptions } from '../powerIteration.js';

export type { ConvPadding } from './convGeometry.js';

/** Options of `convSpectralNorm`; the power-iteration fields (iterations, tolerance, init, seed) are those of `powerIteration`. */
export interface ConvSpectralNormOptions extends PowerIterationOptions {
  /** Stride per spatial axis (one number for all); default 1. */
  strides?: number | number[];
  /** Padding; default 'valid' (tfjs-layers' default). See `ConvPadding`. */
  padding?: ConvPadding;
  /** Dilation rate per spatial axis; default 1. Applied by inserting zeros between kernel taps. */
  dilation?: number | number[];
  /** Compute the certified `upperBound`; default true. */
  certify?: boolean;
  /** Relative slack allowed per frequency in the certified eigenvalue bound; default 1e-3. */
  relativeSlack?: number;
}

/** Result of `convSpectralNorm`. */
export interface ConvSpectralNormResult {
  /** Power-iteration ESTIMATE of the operator norm for this input shape (a lower estimate, float32). */
  sigma: number;
  /** Top left (output-space) and right (input-space) singular vector estimates, flattened NHWC without batch. */
  u: Float32Array;
  v: Float32Array;
  iterations: number;
  converged: boolean;
  /** CERTIFIED upper bound of the operator norm for this input shape (NaN if certify = false). */
  upperBound: number;
  /** For padding 'circular' with sizes divisible by the strides: the exact norm (float64); otherwise null. */
  exact: number | null;
  /** ||kernel reshaped to [k * cin, cout]||_2, PyTorch spectral_norm's quantity; NOT a bound on the operator in general. */
  reshapedNorm: number;
  /** Human-readable description of how the numbers were obtained. */
  method: string;
}

/**
 * Operator norm (largest singular value) of a convolution layer as tfjs-layers applies it,
 * for one input shape: an estimate by power iteration and a certified upper bound by the DFT.
 *
 * The operator is x -> conv(x, kernel) on x of shape `[1, ...inputShape]` (conv1d kernel
 * `[k, cin, cout]` on `[length, cin]`, conv2d kernel `[kh, kw, cin, cout]` on `[h, w, cin]`,
 * NHWC), norm sigma = max ||conv(x)||_2 / ||x||_2.
 * - `sigma`: `powerIteration` on conv / conv-transpose (tf.conv2d and tf.conv2dTranspose with the
 *   same strides and padding). An ESTIMATE that approaches sigma from below.
 * - `upperBound`: CERTIFIED. A circular convolution on an N-grid is block-diagonalized by the DFT
 *   (Sedghi, Gupta & Long 2019, "The Singular Values of Convolutional Layers", ICLR): with
 *   stride s (N divisible by s) each frequency w of the N/s grid carries the cout x (s cin)
 *   block M(w) = [K_hat_r(w)]_r of the polyphase components r, and ||conv|| = max_w ||M(w)||_2.
 *   Zero padding ('same', 'valid') restricts a circular convolution on a grid large enough that
 *   no computed output wraps around (N >= n + pad), so its norm is an upper bound. Each
 *   ||M(w)||^2 is bounded by `hermitianMaxEigenUpperBound` (trace-power bound, float64, rounding
 *   included); frequencies whose Frobenius or Gershgorin bound cannot beat the running maximum
 *   (or `sigma`) are skipped, and the result is kept >= that threshold, so it stays certified.
 * - Dense route (small operators, see `denseRouteApplies`: min(inDim, outDim) <= 512 and an
 *   estimated cost under ~0.5 s): the operator matrix is also built exactly in float64 from the
 *   dilated kernel and the padding split (`convDenseMatrix`) and bounded by
 *   `spectralNormUpperBound` (exact Jacobi SVD or the certified trace-power bound on its Gram
 *   matrix, within `1 + relativeSlack`); `upperBound` is the min of the two certified bounds and
 *   `method` says which won. This removes the looseness of the circular embedding on small
 *   inputs (e.g. 3x3 'same' on 5x5). Not used when `exact` is available or when the DFT bound
 *   is already within `relativeSlack` of `sigma`.
 * - `exact`: for 'circular' padding with each size divisible by its stride, max_w ||M(w)||_2 by
 *   one-sided Jacobi SVD in float64 (exact up to rounding); null otherwise.
 * - `reshapedNorm`: the norm of the kernel reshaped to `[k * cin, cout]` (what PyTorch's
 *   spectral_norm normalizes; pytorch issue 99149): it neither bounds nor equals the operator norm
 *   in general.
 *
 * Throws a LipkitError naming `kernel`, `inputShape` or `options.<field>` for bad input.
 * Leaves `tf.memory().numTensors` unchanged.
 */
export function convSpectralNorm(
  kernel: tf.Tensor, inputShape: number[], options: ConvSpectralNormOptions = {},
): ConvSpectralNormResult {
  if (typeof options !== 'object' || options === null) throw new LipkitError('options', 'must be an object');
  const { strides, padding, dilation, certify = true, relativeSlack = 1e-3, iterations, tolerance, init, seed } = options;
  if (typeof certify !== 'boolean') throw new LipkitError('options.certify', `must be a boolean, got ${String(certify)}`);
  checkNumber('options.relativeSlack', relativeSlack, { min: 0, exclusiveMin: true, max: 1 });
  const geometry = convGeometry(kernel, inputShape, { strides, padding, dilation });
  const plan = spectrumPlan(geometry);

  const op = convOperator(geometry);
  let pi: ReturnType<typeof powerIteration>;
  try {
    const piOptions: PowerIterationOptions = {};
    if (iterations !== undefined) piOptions.iterations = iterations;
    if (tolerance !== undefined) piOptions.tolerance = tolerance;
    if (init !== undefined) piOptions.init = init;
    if (seed !== undefined) piOptions.seed = seed;
    pi = powerIteration(op.apply, op.adjoint, op.inDim, piOptions);
  } finally {
    op.dispose();
  }

  const scan = certify || plan.exact
    ? scanFrequencies(plan, { lowerEstimate: pi.sigma, certify, exact: plan.exact, relativeSlack })
    : null;
  const cout = geometry.cout;
  const reshapedNorm = jacobiSingularValues(geometry.rawKernel, geometry.rawKernel.length / cout, cout)[0];

  // Dense route: for small operators also bound the exact float64 operator matrix (no circular
  // embedding, so no looseness at the borders). Skipped for circular padding with an exact value
  // (the DFT bound is already within relativeSlack) and when the DFT bound is already within
  // relativeSlack of the power-iteration estimate.
  const dftBound = certify && scan ? scan.upperBound : NaN;
  let dense: { upperBound: number; method: string } | null = null;
  if (certify && !plan.exact && denseRouteApplies(geometry) && !(dftBound <= pi.sigma * (1 + relativeSlack))) {
    dense = convDenseUpperBound(geometry, relativeSlack);
  }
  const upperBound = dense !== null ? Math.min(dftBound, dense.upperBound) : dftBound;

  const [ah, aw] = plan.axes;
  const grid = geometry.rank === 1 ? `${aw.N}` : `${ah.N}x${aw.N}`;
  const strided = plan.S > 1 ? `, ${plan.S} polyphase components` : '';
  const kind = geometry.padding === 'circular' ? (plan.exact ? 'exact circulant' : 'circular, stride not dividing the size: stride-1 circulant') : 'zero padding embedded in a circular grid';
  const method = `power iteration on conv/conv-transpose (${pi.iterations} iterations)` +
    (certify ? `; certified: DFT of the kernel on a ${grid} circular embedding (${kind}${strided}), trace-power eigen bound on ${scan?.evaluated} of ${scan?.representatives} frequency blocks` : '') +
    (dense !== null
      ? `; also certified: ${dense.method}; upperBound = min of both = ${dense.upperBound < dftBound ? 'dense' : 'DFT'} bound (DFT ${dftBound.toPrecision(7)}, dense ${dense.upperBound.toPrecision(7)})`
      : '') +
    (plan.exact ? `; exact: Jacobi SVD of ${scan?.svds} frequency block(s) whose bound could be the maximum` : '');
  return {
    sigma: pi.sigma, u: pi.u, v: pi.v, iterations: pi.iterations, converged: pi.converged,
    upperBound,
    exact: plan.exact && scan ? scan.exact : null,
    reshapedNorm,
    method,
  };
}
