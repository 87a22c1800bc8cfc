/** Types of the layer chain `f(x) = c * W_m s_{m-1}(... s_1(W_1 x + b_1) ...) + b_m` (see `extractLayerChain`). */

/** One affine block `x -> W x + b` (all consecutive linear layers of the model merged). */
export interface ChainLinear {
  /** `out x in`, row-major float64 (the transpose of a Dense kernel). */
  weight: Float64Array;
  bias: Float64Array;
  rows: number;
  cols: number;
  /**
   * Frobenius-norm bound on the difference between `weight` and the exact product of the model's
   * (float32) layer matrices it merges (float64 rounding of the merge); 0 when nothing was merged.
   */
  mergeError: number;
  /** Model layers merged into this block. */
  layers: string[];
}

/** An elementwise activation with slopes in [alpha, beta]: (s(u) - s(v)) / (u - v) in [alpha, beta]. */
export interface ChainActivation {
  name: string;
  alpha: number;
  beta: number;
  /**
   * For piecewise-linear activations with one kink at 0 (relu, leaky relu, linear), the slope
   * left of 0 (right of 0 is 1); null otherwise.
   */
  negativeSlope: number | null;
}

/** A feed-forward chain of `m` affine blocks with `m - 1` activations between them. */
export interface LayerChain {
  inputDim: number;
  linears: ChainLinear[];
  activations: ChainActivation[];
  /** Certified factor applied after the last block (a final activation's max slope, softmax 1/2). */
  postFactor: number;
  /** What was merged, inserted or folded into the post factor. */
  notes: string[];
}

/** The outcome of chain extraction: a chain, or why the model is not such a chain. */
export type ChainResult = { ok: true; chain: LayerChain } | { ok: false; reason: string };
