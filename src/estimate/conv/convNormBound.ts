/** A certified norm of a convolution operator from one of the structure-aware paths (`convFastNorm`). */
export interface ConvNormBound {
  /** CERTIFIED upper bound of the operator norm for the input shape (float64 rounding included). */
  upperBound: number;
  /**
   * Value the bound was checked against: the largest block norm found on the DFT grid (the exact
   * norm for 1x1 kernels and for circular padding; for zero padding, the grid value, which can
   * lie above the zero-padded operator's own norm).
   */
  estimate: number;
  /** The exact norm up to float64 rounding when the path knows it (1x1 kernels, circular padding); otherwise null. */
  exact: number | null;
  /** How the bound was obtained, for reports. */
  method: string;
}
