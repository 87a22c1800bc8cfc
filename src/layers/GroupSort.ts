import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import type { LayerArgs } from '@tensorflow/tfjs-layers/dist/engine/topology.js';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { constantMask } from '../backend/constantMask.js';
import { constant, registerLipschitzRule } from '../estimate/network/layerRules.js';

/** Configuration of `GroupSort`. */
export interface GroupSortConfig extends LayerArgs {
  /** Size of the groups of consecutive channels (last axis) sorted together; must divide the channel count. Default 2 (MaxMin). */
  groupSize?: number;
}

/**
 * GroupSort activation (Anil, Lucas & Grosse 2019, "Sorting out Lipschitz function
 * approximation"): the last axis is cut into groups of `groupSize` consecutive channels and
 * each group is sorted in DESCENDING order. `groupSize` 2 is MaxMin: each pair (a, b) becomes
 * (max(a, b), min(a, b)); `groupSize` = channels is FullSort.
 *
 * Per input it is a permutation of the coordinates, so it is 1-Lipschitz in l2 (exact
 * constant 1, certified) and gradient-norm preserving: its Jacobian is a permutation matrix,
 * `||J^T g|| = ||g||`. Implemented as `y = P x` with the permutation P (one-hot of the sort
 * order from `tf.topk`, ties broken by position) held constant, so the gradient is exactly
 * `P^T dy` everywhere, ties included, and second derivatives work (gradient penalties).
 */
export class GroupSort extends tfl.layers.Layer {
  static readonly className = 'LipkitGroupSort';
  readonly groupSize: number;

  constructor(config: GroupSortConfig = {}) {
    if (config === null || typeof config !== 'object') throw new LipkitError('config', 'must be an object');
    const groupSize = checkNumber('config.groupSize', config.groupSize ?? 2, { min: 1, max: 4096, integer: true });
    super(config);
    this.groupSize = groupSize;
    this.supportsMasking = true;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const channels = shape[shape.length - 1];
    if (shape.length < 2 || channels == null) throw new LipkitError('inputs', `GroupSort needs a known last (channel) axis, got shape [${shape.join(', ')}]`);
    if (channels % this.groupSize !== 0) {
      throw new LipkitError('config.groupSize', `${this.groupSize} does not divide the ${channels} channels of the input`);
    }
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return inputShape;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    const x = Array.isArray(inputs) ? inputs[0] : inputs;
    return groupSort(x, this.groupSize);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), groupSize: this.groupSize };
  }
}
tf.serialization.registerClass(GroupSort);
registerLipschitzRule(GroupSort.className, () => constant(1, 'group sort (permutation, 1)'));

/** `new GroupSort(config)`: sorts groups of `groupSize` channels (descending); 1-Lipschitz, gradient-norm preserving. */
export function groupSortLayer(config: GroupSortConfig = {}): GroupSort {
  return new GroupSort(config);
}

/** MaxMin activation: `GroupSort` with group size 2, each channel pair -> (max, min). */
export function maxMin(config: Omit<GroupSortConfig, 'groupSize'> = {}): GroupSort {
  return new GroupSort({ ...config, groupSize: 2 });
}

/**
 * The GroupSort function on a tensor: groups of `groupSize` consecutive entries of the last
 * axis sorted in descending order. Differentiable (gradient: the transposed permutation).
 * Throws a LipkitError naming `groupSize` if it does not divide the last axis.
 */
export function groupSort(x: tf.Tensor, groupSize: number): tf.Tensor {
  checkNumber('groupSize', groupSize, { min: 1, integer: true });
  if (x.rank < 1) throw new LipkitError('x', 'must have at least one axis');
  const channels = x.shape[x.rank - 1];
  if (channels % groupSize !== 0) throw new LipkitError('groupSize', `${groupSize} does not divide the last axis (${channels})`);
  if (groupSize === 1) return tf.clone(x);
  return tf.tidy(() => {
    const grouped = tf.reshape(x, [-1, channels / groupSize, groupSize]);
    // perm[..., i, j] = 1 when output position i takes input position j (off the gradient tape).
    const perm = constantMask((t) => tf.oneHot(tf.topk(t, groupSize, true).indices, groupSize), grouped);
    const y = tf.sum(tf.mul(perm, tf.expandDims(grouped, 2)), 3);
    return tf.reshape(y, x.shape);
  });
}
