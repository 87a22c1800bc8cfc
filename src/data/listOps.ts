import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { checkOptions } from '../regularize/checks.js';
import { createRng, type Rng } from './rng.js';

/** The four ListOps operators of the Long Range Arena (each opens a bracket closed by `]`). */
export const LISTOPS_OPERATORS = ['[MIN', '[MAX', '[MED', '[SM'] as const;
/** A ListOps operator token. */
export type ListOpsOperator = (typeof LISTOPS_OPERATORS)[number];

/** Options of `listOps`. */
export interface ListOpsOptions {
  /** Number of expressions (required, >= 1). */
  count: number;
  /** Shortest accepted expression, in tokens (>= 2, inclusive). Default 50 (LRA: 500). */
  minLength?: number;
  /** Longest accepted expression, in tokens (inclusive). Default 200 (LRA: 2000). */
  maxLength?: number;
  /** Maximum tree depth, the root at depth 1; a node at this depth is always a value. Default 10. */
  maxDepth?: number;
  /** Maximum number of arguments of an operator (>= 2; the minimum is 2). Default 10. */
  maxArgs?: number;
  /**
   * Probability that a node above `maxDepth` is an operator rather than a value. Default 0.25:
   * LRA's generator draws `r` and makes a value when `r > VALUE_P = 0.25`, so a node is an
   * operator with probability 0.25 and a leaf with probability 0.75.
   */
  operatorProbability?: number;
  /** Seed of the generator. Default 0. */
  seed?: number;
  /** Keep only distinct expressions, as LRA does (it collects trees in a set). Default true. */
  unique?: boolean;
  /** Give up (LipkitError naming `options.minLength`) after this many rejected trees. Default 10000 + 1000 * count. */
  maxAttempts?: number;
}

/** Generated ListOps data: token strings (no parentheses), labels 0-9, and lengths. */
export interface ListOpsData {
  /** One token list per expression, e.g. `['[MAX', '2', '[MIN', '4', '7', ']', '0', ']']`. */
  expressions: string[][];
  /** The value of each expression, 0-9 (the class label). */
  labels: Int32Array;
  /** Tokens per expression. */
  lengths: Int32Array;
}

/** Longest expression (in tokens) a tree of `depth` levels with `maxArgs` arguments can have. */
function maxTreeLength(depth: number, maxArgs: number): number {
  let length = 1;
  for (let d = 1; d < depth && length < Number.MAX_SAFE_INTEGER / maxArgs; d++) length = 2 + maxArgs * length;
  return length;
}

/** LRA's operators: MIN, MAX, MED = int(numpy.median) (the mean of the two middle values, floored), SM = sum mod 10. */
export function applyListOpsOperator(op: ListOpsOperator, args: readonly number[]): number {
  switch (op) {
    case '[MIN': return Math.min(...args);
    case '[MAX': return Math.max(...args);
    case '[SM': return args.reduce((a, b) => a + b, 0) % 10;
    case '[MED': {
      const s = [...args].sort((a, b) => a - b);
      const h = s.length >> 1;
      return s.length % 2 === 1 ? s[h] : Math.floor((s[h - 1] + s[h]) / 2);
    }
  }
}

class TooLong extends Error {}

/**
 * Generates one tree in prefix form into `out` and returns its value; throws `TooLong`
 * as soon as the expression exceeds `cap` tokens (a rejected draw, cut short to save time).
 */
function generateTree(rng: Rng, depth: number, maxDepth: number, maxArgs: number, pOp: number, out: string[], cap: number): number {
  const isOperator = depth < maxDepth && rng.uniform() <= pOp;
  if (!isOperator) {
    const value = rng.int(0, 9);
    out.push(String(value));
    if (out.length > cap) throw new TooLong();
    return value;
  }
  // LRA draws the argument count, then the arguments, then the operator.
  const nArgs = rng.int(2, maxArgs);
  const start = out.length;
  out.push('');
  const args: number[] = [];
  for (let i = 0; i < nArgs; i++) args.push(generateTree(rng, depth + 1, maxDepth, maxArgs, pOp, out, cap));
  const op = LISTOPS_OPERATORS[rng.int(0, LISTOPS_OPERATORS.length - 1)];
  out[start] = op;
  out.push(']');
  if (out.length > cap) throw new TooLong();
  return applyListOpsOperator(op, args);
}

/**
 * ListOps expressions following the Long Range Arena generator (Tay et al. 2021,
 * `lra_benchmarks/data/listops.py`): a random tree whose root is at depth 1; a node above
 * `maxDepth` is an operator with probability `operatorProbability` (0.25), otherwise a value
 * 0-9 drawn uniformly; an operator (MIN, MAX, MED, SM, uniform) takes 2-`maxArgs` arguments.
 * The label is the value of the expression (MED is `int(numpy.median)`, i.e. the floored mean
 * of the two middle values for an even count; SM is the sum mod 10). Trees are drawn until
 * `count` expressions with `minLength <= tokens <= maxLength` are collected (LRA: strict bounds
 * 500 and 2000); tokens are the operators, the digits and `]`, without LRA's parentheses (the
 * S4 code strips them too). Deterministic for a seed. The default lengths 50-200 suit CPUs.
 *
 * Errors (LipkitError): `options.count`, `options.minLength` (< 2, or beyond what `maxDepth`
 * and `maxArgs` can reach, or not reached within `maxAttempts` draws), `options.maxLength`,
 * `options.maxDepth`, `options.maxArgs`, `options.operatorProbability`, `options.seed`.
 */
export function listOps(options: ListOpsOptions): ListOpsData {
  checkOptions('options', options);
  if (options === undefined) throw new LipkitError('options', 'is required ({ count })');
  const {
    count, minLength = 50, maxLength = 200, maxDepth = 10, maxArgs = 10,
    operatorProbability = 0.25, seed = 0, unique = true,
  } = options;
  checkNumber('options.count', count, { min: 1, integer: true });
  checkNumber('options.minLength', minLength, { min: 2, integer: true });
  checkNumber('options.maxLength', maxLength, { min: minLength, integer: true });
  checkNumber('options.maxDepth', maxDepth, { min: 2, max: 64, integer: true });
  checkNumber('options.maxArgs', maxArgs, { min: 2, integer: true });
  checkNumber('options.operatorProbability', operatorProbability, { min: 0, max: 1, exclusiveMin: true });
  if (typeof unique !== 'boolean') throw new LipkitError('options.unique', 'must be a boolean');
  const maxAttempts = checkNumber('options.maxAttempts', options.maxAttempts ?? 10000 + 1000 * count, { min: 1, integer: true });
  const reachable = maxTreeLength(maxDepth, maxArgs);
  if (minLength > reachable) {
    throw new LipkitError('options.minLength', `${minLength} exceeds the longest expression (${reachable} tokens) of maxDepth ${maxDepth} and maxArgs ${maxArgs}`);
  }
  const rng = createRng(seed);
  const expressions: string[][] = [];
  const labels: number[] = [];
  const seen = new Set<string>();
  let attempts = 0;
  while (expressions.length < count) {
    if (attempts++ >= maxAttempts) {
      throw new LipkitError('options.minLength', `only ${expressions.length} of ${count} expressions with ${minLength}-${maxLength} tokens after ${maxAttempts} draws; widen the length range or raise options.maxAttempts`);
    }
    const out: string[] = [];
    let value: number;
    try {
      value = generateTree(rng, 1, maxDepth, maxArgs, operatorProbability, out, maxLength);
    } catch (e) {
      if (e instanceof TooLong) continue;
      throw e;
    }
    if (out.length < minLength) continue;
    if (unique) {
      const key = out.join(' ');
      if (seen.has(key)) continue;
      seen.add(key);
    }
    expressions.push(out);
    labels.push(value);
  }
  return { expressions, labels: Int32Array.from(labels), lengths: Int32Array.from(expressions, (e) => e.length) };
}
