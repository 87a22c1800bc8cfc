/** What `lipschitzLowerBound` reports while it works (one call per unit of work of a stage). */
export interface LowerBoundProgress {
  /** 'directions' (power iteration / Jacobians), 'quotients' (realized quotients along them) or 'ascent'. */
  stage: string;
  done: number;
  total: number;
}

/** Options of `lipschitzLowerBound`. */
export interface LowerBoundOptions {
  /** Difference-quotient ascent steps refining the best inputs (0 disables the refinement). Default 20. */
  steps?: number;
  /** Ascent step, as a fraction of the probe radius. Default 0.5. */
  stepSize?: number;
  /** How many of the inputs with the largest quotients are refined by ascent. Default 4. */
  candidates?: number;
  /** Seed of the random start directions and of the ascent noise. Default 0. */
  seed?: number;
  /** Power iterations on J^T J per input (when the Jacobian is not formed exactly). Default 20. */
  iterations?: number;
  /**
   * Wall-clock budget in seconds (default 20): the search stops between units of work once it is
   * spent and reports `work.stoppedByBudget`. At least one direction and one quotient are always done.
   */
  budgetSeconds?: number;
  /** Memory for one batch of the model's activations, in bytes; inputs are processed in chunks that fit. Default 2^28. */
  chunkBytes?: number;
  /** Called after each unit of work. */
  onProgress?: (progress: LowerBoundProgress) => void;
  /**
   * Activation-pattern search (issue 11, `activationPatternSearch`) before the gradient stages:
   * 'auto' (default) runs it when the model reads as a piecewise-linear chain (Dense / Conv /
   * BatchNorm with ReLU or leaky ReLU, logits output, at most 5e6 parameters, 1e5 input entries and
   * 4e6 dense-matrix entries over its Dense / Conv layers)
   * and says in `method` why not otherwise; true runs it and throws when the model is not such a
   * chain; false skips it. Its candidates count only as realized float32 quotients.
   */
  patternSearch?: 'auto' | boolean;
  /** Wall-clock seconds of the pattern search, taken out of `budgetSeconds`. Default min(1, budgetSeconds / 4). */
  patternSeconds?: number;
  /** Restarts of the pattern search (stops earlier at `patternSeconds`). Default 16. */
  patternRestarts?: number;
}

/** What the search did. */
export interface LowerBoundWork {
  /** Inputs whose Jacobian direction was searched. */
  points: number;
  /** Power iterations (or exact Jacobians) done, summed over inputs. */
  iterations: number;
  /** Realized difference quotients evaluated (pairs pushed through the model). */
  quotientEvaluations: number;
  /** Pairs rejected because the output difference was at the level of float32 rounding. */
  rejectedPairs: number;
  /** Ascent steps done (per batch of candidates). */
  ascentSteps: number;
  /** Linear regions evaluated by the activation-pattern search (0 when it did not run). */
  patternRegions: number;
  seconds: number;
  /** True when the time budget stopped the search early. */
  stoppedByBudget: boolean;
}

/** The realized pair with the largest quotient. */
export interface QuotientPair {
  /** Index of the input the pair came from; -1 for a pair of the activation-pattern search. */
  input: number;
  /** ||f(x) - f(y)|| / ||x - y||, both norms in float64 of the float32 values. */
  quotient: number;
  /** ||x - y|| (float64 of the float32 inputs). */
  distance: number;
  /** ||x - y|| / ||x||: the relative step (never below `MIN_RELATIVE_STEP` except for x near 0). */
  relativeStep: number;
  /** (||f(x)|| + ||f(y)||) / ||f(x) - f(y)||: how large the outputs are against their difference (<= 1000). */
  outputRatio: number;
}

/** The result of `lipschitzLowerBound`. */
export interface LowerBoundResult {
  /**
   * The largest realized difference quotient ||f(x) - f(y)|| / ||x - y|| found, with f the model's
   * own float32 forward pass (inference mode): a lower bound of the l2 Lipschitz constant of the
   * map TF.js computes. Never a gradient norm.
   */
  lowerBound: number;
  /**
   * ESTIMATES of the Jacobian spectral norm at each input (NaN where the budget ran out or TF.js
   * has no gradient): the TF.js Jacobian's top singular value for small outputs, else the power-iteration quotient. Not bounds
   * (TF.js gradients at max-pooling ties can exceed the true slope).
   */
  jacobianNorms: Float32Array;
  /** The pair that gave `lowerBound` (null if no pair passed the rounding check). */
  best: QuotientPair | null;
  method: string;
  work: LowerBoundWork;
}
