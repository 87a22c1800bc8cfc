import * as tf from '@tensorflow/tfjs-core';
import { LipkitError } from '../../util/errors.js';
import { checkNumber } from '../../util/validate.js';
import { checkChoice } from '../../regularize/checks.js';
import { muon } from '../../optim/Muon.js';

/** Optimizers the MLP trainer supports. */
export const OPTIMIZER_KINDS = ['adam', 'sgd', 'muon'] as const;
export type OptimizerKind = (typeof OPTIMIZER_KINDS)[number];

/** Which optimizer, with its step size and momentum. */
export interface OptimizerSpec {
  kind: OptimizerKind;
  /** Step size, > 0. */
  learningRate: number;
  /**
   * 'sgd': heavy-ball momentum in [0, 1) (`tf.train.momentum`; 0 is plain `tf.train.sgd`), default 0.
   * 'muon': its Nesterov momentum, default 0.95. 'adam': not used (beta1 0.9, beta2 0.999).
   */
  momentum?: number;
}

/** Validates an `OptimizerSpec` (errors name `${name}.<field>`) and fills the momentum default. */
export function checkOptimizerSpec(name: string, spec: unknown): Required<OptimizerSpec> {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new LipkitError(name, 'must be an object { kind, learningRate, momentum? }');
  const s = spec as Partial<OptimizerSpec>;
  const kind = checkChoice(`${name}.kind`, s.kind, OPTIMIZER_KINDS);
  const learningRate = checkNumber(`${name}.learningRate`, s.learningRate, { min: 0, exclusiveMin: true, max: 1e3 });
  if (kind === 'adam' && s.momentum !== undefined) throw new LipkitError(`${name}.momentum`, "is not used by 'adam' (leave it out)");
  const momentum = checkNumber(`${name}.momentum`, s.momentum ?? (kind === 'muon' ? 0.95 : 0), { min: 0, max: 0.999 });
  return { kind, learningRate, momentum };
}

/**
 * A fresh tfjs optimizer for the spec: Adam (`tf.train.adam(lr)`), SGD
 * (`tf.train.sgd(lr)`, or heavy-ball `tf.train.momentum(lr, momentum)` when momentum > 0:
 * `v <- momentum v + g; w <- w - lr v`), or lipkit's `muon` (Newton-Schulz orthogonalized
 * momentum for the 2-D kernels, Adam at muon's default 1e-3 for the biases). The caller disposes it.
 */
export function makeOptimizer(spec: OptimizerSpec): tf.Optimizer {
  const s = checkOptimizerSpec('optimizer', spec);
  if (s.kind === 'adam') return tf.train.adam(s.learningRate);
  if (s.kind === 'sgd') return s.momentum > 0 ? momentumOptimizer(s.learningRate, s.momentum) : tf.train.sgd(s.learningRate);
  return muon({ learningRate: s.learningRate, momentum: s.momentum });
}

/** A short label: `adam lr=0.01`, `sgd lr=0.1 m=0.9`, `muon lr=0.02`. */
export function optimizerLabel(spec: OptimizerSpec): string {
  const s = checkOptimizerSpec('optimizer', spec);
  if (s.kind === 'sgd') return `sgd lr=${s.learningRate} m=${s.momentum}`;
  return `${s.kind} lr=${s.learningRate}`;
}

/**
 * `tf.train.momentum` whose `dispose` also frees the learning-rate scalar it inherits from SGD
 * (tfjs-core 4.22's MomentumOptimizer.dispose does not call SGD's, leaking one tensor per optimizer).
 */
function momentumOptimizer(learningRate: number, momentum: number): tf.Optimizer {
  const opt = tf.train.momentum(learningRate, momentum);
  const own = opt.dispose.bind(opt);
  opt.dispose = (): void => {
    own();
    const c = (opt as unknown as { c?: tf.Tensor }).c;
    if (c !== undefined && !c.isDisposed) c.dispose();
  };
  return opt;
}
