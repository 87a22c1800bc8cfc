/**
 * Composition rules for Lipschitz bounds, written once (as in Modula):
 * - series `g(f(x))`: `Lip <= Lip(g) * Lip(f)`;
 * - parallel sum `f1(x) + f2(x)` (Add, Subtract): `Lip <= sum Lip(fi)`;
 * - parallel average: `Lip <= mean Lip(fi)`;
 * - parallel stack `[f1(x); f2(x)]` (Concatenate) and elementwise max/min:
 *   `Lip <= sqrt(sum Lip(fi)^2)`, since `||[a; b]||^2 = ||a||^2 + ||b||^2` and
 *   `|max(a,b) - max(a',b')| <= max(|a-a'|, |b-b'|)` entrywise.
 */
export function series(...constants: number[]): number {
  return constants.reduce((a, b) => a * b, 1);
}

/** Bound of a sum of branches. */
export function parallelSum(constants: number[]): number {
  return constants.reduce((a, b) => a + b, 0);
}

/** Bound of the mean of branches. */
export function parallelMean(constants: number[]): number {
  return constants.length === 0 ? 0 : parallelSum(constants) / constants.length;
}

/** Bound of a concatenation (or elementwise max/min) of branches. */
export function parallelStack(constants: number[]): number {
  return Math.sqrt(constants.reduce((a, c) => a + c * c, 0));
}

/** How a merge layer combines its branches. */
export type CombineRule = 'sum' | 'mean' | 'stack';

/** Applies a combine rule. */
export function combine(rule: CombineRule, constants: number[]): number {
  switch (rule) {
    case 'sum': return parallelSum(constants);
    case 'mean': return parallelMean(constants);
    case 'stack': return parallelStack(constants);
  }
}
