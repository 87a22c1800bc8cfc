import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { LipkitError } from '../util/errors.js';
import { checkNumber } from '../util/validate.js';
import { PowerVectors } from './powerVectors.js';
import { lipschitzRuleFor, registerLipschitzRule, type LayerLipschitz } from '../estimate/network/layerRules.js';
import { KERNEL_LAYER_CLASSES, callWithKernel, kernelOf, resolveLayer, type SerializedLayer } from './innerLayer.js';
import { kernelOperatorFor, type KernelOperator, type KernelOperatorMethod } from './layerKernelOperator.js';
import { withKernel } from './pieceKernel.js';
import { sigmaOf } from '../estimate/powerStep.js';
import { blockPowerRound, blockRounds } from '../estimate/blockPowerRound.js';
import { convSpectralNorm } from '../estimate/conv/convSpectralNorm.js';
import { CHEAP_CHECK_COST, certificateCost, certifyMatrixNorm } from '../constrain/certifiedMatrixNorm.js';
import { cheapConvOperatorMatrix } from '../constrain/cheapConvOperatorMatrix.js';
import { CHECK_SLACK, CheckSchedule, readGuarantee, type GuaranteeSettings, type SpectralGuarantee } from '../constrain/spectralGuarantee.js';
import type { SpectralNormalizationConfig } from './spectralNormalizationConfig.js';

export type { SpectralNormalizationConfig } from './spectralNormalizationConfig.js';

/**
 * Spectral normalization as a wrapper layer (Miyato et al. 2018, "Spectral Normalization for
 * Generative Adversarial Networks"): the inner layer runs with the effective kernel
 *
 *   W_eff = target * W / sigma,   sigma = u^T A(W) v,
 *
 * where A(W) is the kernel's linear map and (u, v) its power-iteration singular vectors,
 * stored as NON-trainable weights `sn_u`, `sn_v` (so they are saved with the model). sigma is
 * differentiable in W (u, v constant), as in PyTorch's `spectral_norm`.
 * - Training calls (`kwargs.training === true`, as `model.fit` makes; in a custom loop call
 *   `model.apply(x, { training: true })`) first advance (u, v) by `powerIterations` steps.
 * - Inference calls use the stored (u, v) and change nothing, so a saved and loaded model
 *   reproduces its outputs exactly.
 * - Building runs `warmupIterations` (15, PyTorch) steps from a seeded random vector, and more
 *   until sigma settles (`warmupTolerance`), so the layer is normalized before any training
 *   (no uninitialized eval as in PyTorch issue 51800).
 *
 * Which map A is used (`operatorMethod`): Dense: `x -> x W`. Conv1D/Conv2D with a fully known
 * input shape (give the model an `inputShape`): the convolution operator itself on that
 * shape (padding, strides and dilation included), so `target` bounds the layer's true l2
 * norm. With an unknown spatial size: the kernel reshaped to [k * cin, cout], as PyTorch,
 * which does NOT bound the convolution (it can exceed target by up to sqrt(k / stride)).
 *
 * Promise for the kernel each TRAINING call uses: |sigma_max(W_eff) / target - 1| <= 1e-3 from
 * the first call on ('checked', default), or sigma_max(W_eff) <= target up to float32 rounding
 * ('certified'); see `SpectralGuarantee`. A training call runs block Krylov rounds from the
 * previous block (Dense/reshaped kernels; conv operators: PyTorch's power step from the stored
 * u) while the estimated error exceeds `tolerance` (at most `maxIterations` power steps' worth),
 * and trusts the estimate only when the top Ritz values are spread (TRUSTED_GAP: spectral
 * normalization training flattens the top of the spectrum, and a settled block then misses the
 * top direction; measured, so such calls are checked); a CERTIFIED check (float64 Gram + Cholesky
 * of the kernel matrix, or `convSpectralNorm`'s DFT/dense bound for a conv operator) runs on
 * the first training call, every `checkEvery` calls, when the estimate is not trusted, and
 * on every call when it is cheap (small kernels, and small conv operators, certified as their
 * exact matrix by `cheapConvOperatorMatrix`); a failed check rescales sigma by the bound.
 * 'certified' divides by the certified bound on every training call (cost: the host Gram and
 * Cholesky each call). `lastTrainingSigma` is the sigma the last training call used.
 * Inference calls use the stored (u, v) on the CURRENT kernel, which the optimizer moved after
 * the last training call: there sigma is an ESTIMATE that lags (as in PyTorch); call
 * `refresh()` after training to re-converge. `lipschitzBound` certifies the actual effective
 * kernel whatever it is.
 */
export class SpectralNormalization extends tfl.layers.Layer {
  static readonly className = 'LipkitSpectralNormalization';
  /** The wrapped layer (its kernel and bias are this layer's trainable weights). */
  readonly layer: tfl.layers.Layer;
  readonly target: number;
  readonly powerIterations: number;
  readonly warmupIterations: number;
  readonly warmupTolerance: number;
  readonly seed: number;
  readonly settings: GuaranteeSettings;
  /** sigma (the divisor) used by the last training call; NaN before the first. */
  lastTrainingSigma = NaN;
  /** `guarantee: 'estimate'`: PyTorch's training step only (then `lastTrainingSigma` stays NaN: it is not read back). */
  readonly estimateOnly: boolean;
  private schedule: CheckSchedule | null = null;
  /** Host copy of the stored u after a host step (saves a read on the next one); null when stale. */
  private hostU: Float32Array | null = null;
  /** Host block of the block Krylov rounds (Dense/reshaped kernels); null until the first non-cheap training call. */
  private block: Float32Array | null = null;
  /** Consecutive untrusted block rounds (a flat top); calls since switching to host steps. */
  private untrusted = 0;
  private hostRun = 0;
  private conv: { inputShape: number[]; strides: number[]; padding: 'same' | 'valid' } | null = null;
  private vectors: PowerVectors | null = null;
  private kernelOp: ((kernel: tf.Tensor) => KernelOperator) | null = null;
  private method: KernelOperatorMethod | null = null;

  constructor(config: SpectralNormalizationConfig) {
    if (config === null || typeof config !== 'object') throw new LipkitError('config', 'must be an object with a layer');
    const layer = resolveLayer('config.layer', config.layer);
    const cls = layer.getClassName();
    if (!(KERNEL_LAYER_CLASSES as readonly string[]).includes(cls)) {
      throw new LipkitError('config.layer', `must be a Dense, Conv1D or Conv2D layer, got ${cls}`);
    }
    if (layer.built) throw new LipkitError('config.layer', `layer '${layer.name}' is already built; wrap a new (unbuilt) layer`);
    const target = checkNumber('config.target', config.target ?? 1, { min: 0, exclusiveMin: true });
    const powerIterations = checkNumber('config.powerIterations', config.powerIterations ?? 1, { min: 1, max: 1000, integer: true });
    const warmupIterations = checkNumber('config.warmupIterations', config.warmupIterations ?? 15, { min: 1, max: 10000, integer: true });
    const warmupTolerance = checkNumber('config.warmupTolerance', config.warmupTolerance ?? 1e-5, { min: 0, max: 1 });
    const seed = checkNumber('config.seed', config.seed ?? 0, { integer: true });
    const estimateOnly = config.guarantee === 'estimate';
    const settings = readGuarantee({ ...config, guarantee: estimateOnly ? 'checked' : (config.guarantee as SpectralGuarantee | undefined) }, 'config');
    const inherit = config.inputShape == null && config.batchInputShape == null && layer.batchInputShape != null
      ? { batchInputShape: layer.batchInputShape } : {};
    super({ ...config, ...inherit });
    this.layer = layer;
    this.target = target;
    this.powerIterations = powerIterations;
    this.warmupIterations = warmupIterations;
    this.warmupTolerance = warmupTolerance;
    this.seed = seed;
    this.settings = settings;
    this.estimateOnly = estimateOnly;
  }

  override get trainableWeights(): tfl.LayerVariable[] {
    if (this.layer === undefined) return [];
    return this.trainable ? this.layer.trainableWeights : [];
  }

  override get nonTrainableWeights(): tfl.LayerVariable[] {
    if (this.layer === undefined) return [];
    const own = this.vectors === null ? [] : [this.vectors.u, this.vectors.v];
    return [...(this.trainable ? this.layer.nonTrainableWeights : this.layer.weights), ...own];
  }

  override get losses(): Array<() => tf.Scalar> {
    return this.layer === undefined ? super.losses : [...super.losses, ...this.layer.losses];
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (!this.layer.built) {
      this.layer.build(shape);
      this.layer.built = true;
    }
    const kernel = kernelOf(this.layer);
    this.kernelOp = kernelOperatorFor(this.layer, shape);
    const probe = this.kernelOp(kernel);
    this.method = probe.method;
    if (probe.method === 'conv operator') {
      const cfg = this.layer.getConfig();
      const dims = shape.length - 2;
      const arr = (x: unknown): number[] => (Array.isArray(x) ? x.map(Number) : new Array<number>(dims).fill(Number(x ?? 1)));
      this.conv = { inputShape: shape.slice(1) as number[], strides: arr(cfg['strides']), padding: cfg['padding'] === 'same' ? 'same' : 'valid' };
    }
    const zeros = tfl.initializers.zeros();
    this.vectors = new PowerVectors(
      this.addWeight('sn_u', probe.uShape, 'float32', zeros, undefined, false),
      this.addWeight('sn_v', probe.vShape, 'float32', zeros, undefined, false),
    );
    this.vectors.warmUp(probe.op, this.seed, this.warmupIterations, this.warmupTolerance);
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    return this.layer.computeOutputShape(inputShape);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const { vectors, kernelOp } = this.state();
      const kernel = kernelOf(this.layer);
      const { op } = kernelOp(kernel);
      let sigma: tf.Scalar;
      if (kwargs?.training === true && this.estimateOnly) {
        sigma = vectors.sigma(op, true, this.powerIterations);
      } else if (kwargs?.training === true) {
        const scale = this.trainStep(kernel, op);
        sigma = tf.mul(sigmaOf(op, vectors.u.read(), vectors.v.read()), scale);
      } else {
        sigma = vectors.sigma(op, false, 0);
      }
      const effective = tf.mul(kernel, tf.div(this.target, tf.add(sigma, 1e-12)));
      return callWithKernel(this.layer, effective, inputs, kwargs ?? {});
    });
  }

  /**
   * The training call's power step and check (see the class docs); stores the vectors and
   * returns the factor by which `u^T A v` must be scaled (1 unless a check raised sigma).
   */
  private trainStep(kernel: tf.Tensor, op: KernelOperator['op']): number {
    const vectors = this.state().vectors;
    const certified = this.settings.guarantee === 'certified';
    const cout = kernel.shape[kernel.rank - 1] as number;
    const rows = kernel.size / cout;
    const cheap = this.conv === null && certificateCost(rows, cout) <= CHEAP_CHECK_COST;
    const host = certified || cheap;
    this.schedule ??= new CheckSchedule(this.settings.checkEvery);
    const due = this.schedule.due();
    if (host && this.conv === null) return this.hostStep(kernel, rows, cout, certified);
    // a flat top (spectral-normalization training makes one): the check runs on every call anyway,
    // so skip the block rounds for 15 calls out of 16 (the certificate's Lanczos is the estimate)
    if (this.conv === null && this.untrusted >= 2 && ++this.hostRun % 16 !== 0) return this.hostStep(kernel, rows, cout, false);
    // a small conv operator: its exact matrix, certified on every call (as a small Dense kernel)
    const small = this.conv === null ? null : cheapConvOperatorMatrix(kernel, this.conv.inputShape, this.conv);
    let pr: { sigma: number; converged: boolean };
    if (this.conv === null) {
      // Dense or reshaped kernel [rows, cout]: block Krylov rounds (see blockPowerRound), warm
      // started from the host block (or the stored u); stores the top pair as (u, v). No drift
      // test (only TRUSTED_GAP): the normalization's gradient pushes the top direction down every
      // step, and a block trusted by a small drift still missed the top (measured 1.5e-3 at drift 3e-3).
      const m = (kernel.rank === 2 ? kernel : tf.reshape(kernel, [rows, cout])) as tf.Tensor2D;
      const start = this.block ?? (vectors.u.read().dataSync() as Float32Array);
      const r = blockPowerRound(m, start, this.powerIterations, this.settings.tolerance, Math.max(this.powerIterations, blockRounds(this.settings.maxIterations)));
      this.block = r.block;
      vectors.set(tf.tensor1d(r.v), tf.tensor1d(r.u));
      this.untrusted = r.converged ? 0 : this.untrusted + 1;
      pr = r;
    } else {
      pr = vectors.train(op, this.powerIterations, this.settings.tolerance, this.settings.maxIterations);
    }
    this.hostU = null;
    const check = certified || small !== null || due || !pr.converged;
    if (!check) {
      this.lastTrainingSigma = pr.sigma;
      // u^T A v of the stored pair is sigma up to float32 rounding (it is the Ritz pair's ||A y||)
      return 1;
    }
    let upper: number;
    let estimate: number;
    if (this.conv === null) {
      // Dense [in, out] or reshaped [k cin, cout]: the layer's u (length cout) is the matrix's right vector.
      const c = certifyMatrixNorm(kernel.dataSync(), rows, cout, vectors.u.read().dataSync() as Float32Array, CHECK_SLACK / 2);
      upper = c.upperBound; estimate = c.estimate;
      vectors.setFromU(op, tf.tensor1d(c.v));
      if (this.block !== null && this.block.length % c.v.length === 0) this.block.set(c.v, 0);
    } else if (small !== null) {
      const c = certifyMatrixNorm(small.data, small.rows, small.cols, vectors.v.read().dataSync() as Float32Array, CHECK_SLACK / 2);
      upper = c.upperBound; estimate = c.estimate;
      const v = tf.tensor1d(c.v);
      const av = op.apply(v);
      vectors.set(tf.div(av, tf.add(tf.norm(av), 1e-12)), v);
    } else {
      const r = convSpectralNorm(kernel, this.conv.inputShape, {
        strides: this.conv.strides, padding: this.conv.padding, init: vectors.v.read().dataSync() as Float32Array,
        iterations: 200, tolerance: 1e-7, relativeSlack: CHECK_SLACK / 2,
      });
      upper = r.upperBound; estimate = r.sigma;
      vectors.set(tf.tensor1d(r.u), tf.tensor1d(r.v));
    }
    const stored = sigmaOf(op, vectors.u.read(), vectors.v.read()).dataSync()[0] as number;
    this.schedule.done(pr.sigma * (1 + CHECK_SLACK) >= upper);
    const use = certified ? upper : Math.max(pr.sigma, estimate, stored, upper / (1 + CHECK_SLACK));
    this.lastTrainingSigma = use;
    return stored > 0 ? use / stored : 1;
  }

  /**
   * The training step done on the host for a Dense/reshaped kernel whose certificate is cheap
   * (or with 'certified'): `certifyMatrixNorm` from the stored u, then `v = W u / ||W u||` in
   * float64; stores both and returns the factor for `u^T A v` (= ||W u||).
   */
  private hostStep(kernel: tf.Tensor, rows: number, cout: number, certified: boolean): number {
    const vectors = this.state().vectors;
    const data = kernel.dataSync();
    const u0 = this.hostU ?? (vectors.u.read().dataSync() as Float32Array);
    const c = certifyMatrixNorm(data, rows, cout, u0, CHECK_SLACK / 2);
    const v = new Float64Array(rows);
    let ss = 0;
    for (let i = 0; i < rows; i++) {
      let t = 0;
      for (let j = 0; j < cout; j++) t += (data[i * cout + j] as number) * (c.v[j] as number);
      v[i] = t; ss += t * t;
    }
    const stored = Math.sqrt(ss);
    if (!(stored > 0)) { this.lastTrainingSigma = 0; return 1; }
    vectors.set(tf.tensor1d(c.v), tf.tensor1d(Float32Array.from(v, (t) => t / stored)));
    this.hostU = c.v;
    const use = certified ? c.upperBound : Math.max(c.estimate, stored, c.upperBound / (1 + CHECK_SLACK));
    this.lastTrainingSigma = use;
    return use / stored;
  }

  /** The stored estimate `sigma = u^T A(W) v` of the current kernel (inference value, nothing updated). */
  sigma(): number {
    return tf.tidy(() => {
      const { vectors, kernelOp } = this.state();
      return vectors.sigma(kernelOp(kernelOf(this.layer)).op, false, 0).dataSync()[0];
    });
  }

  /**
   * Re-converges the stored vectors on the current kernel (rounds of `iterations` power
   * steps until sigma moves by at most `tolerance` relative, at most `maxIterations` steps),
   * e.g. after training, so that inference and `lipschitzBound` use an accurate sigma.
   * Returns the new estimate.
   */
  refresh({ iterations = 15, tolerance = 1e-6, maxIterations = 1000 }: { iterations?: number; tolerance?: number; maxIterations?: number } = {}): number {
    checkNumber('options.iterations', iterations, { min: 1, max: 1e5, integer: true });
    checkNumber('options.tolerance', tolerance, { min: 0 });
    checkNumber('options.maxIterations', maxIterations, { min: 1, max: 1e7, integer: true });
    const { vectors, kernelOp } = this.state();
    return tf.tidy(() => vectors.converge(kernelOp(kernelOf(this.layer)).op, iterations, tolerance, maxIterations));
  }

  /** The kernel the inner layer runs with at inference, `target * W / sigma` (caller disposes). */
  effectiveKernel(): tf.Tensor {
    return tf.tidy(() => {
      const { vectors, kernelOp } = this.state();
      const kernel = kernelOf(this.layer);
      const sigma = vectors.sigma(kernelOp(kernel).op, false, 0);
      return tf.mul(kernel, tf.div(this.target, tf.add(sigma, 1e-12)));
    });
  }

  /** Which linear map sigma is taken of: 'dense', 'conv operator' or 'reshaped kernel' (see the class docs). */
  get operatorMethod(): KernelOperatorMethod {
    if (this.method === null) throw new LipkitError('layer', `SpectralNormalization '${this.name}' is not built yet`);
    return this.method;
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      layer: { className: this.layer.getClassName(), config: this.layer.getConfig() },
      target: this.target,
      powerIterations: this.powerIterations,
      warmupIterations: this.warmupIterations,
      warmupTolerance: this.warmupTolerance,
      seed: this.seed,
      ...this.settings,
      ...(this.estimateOnly ? { guarantee: 'estimate' } : {}),
    };
  }

  private state(): { vectors: PowerVectors; kernelOp: (kernel: tf.Tensor) => KernelOperator } {
    if (this.vectors === null || this.kernelOp === null) {
      throw new LipkitError('layer', `SpectralNormalization '${this.name}' is not built yet`);
    }
    return { vectors: this.vectors, kernelOp: this.kernelOp };
  }
}
tf.serialization.registerClass(SpectralNormalization);

/** `new SpectralNormalization(config)`: wraps a Dense/Conv1D/Conv2D layer so its kernel has spectral norm `target`. */
export function spectralNormalization(config: SpectralNormalizationConfig): SpectralNormalization {
  return new SpectralNormalization(config);
}

/**
 * Certified rule: the inner layer's own steps (linear piece, then its activation) with the
 * effective kernel `target * W / sigma_stored` that inference uses, read back in float32.
 * Its certified norm may exceed `target` slightly, since sigma_stored is an estimate.
 */
registerLipschitzRule(SpectralNormalization.className, (layer, ctx): LayerLipschitz => {
  if (!(layer instanceof SpectralNormalization)) return { kind: 'unsupported', reason: 'not a lipkit SpectralNormalization layer' };
  const innerRule = lipschitzRuleFor(layer.layer.getClassName());
  if (innerRule === undefined) return { kind: 'unsupported', reason: `no Lipschitz rule for the inner ${layer.layer.getClassName()}` };
  const inner = innerRule(layer.layer, ctx);
  if (inner.kind !== 'steps') return inner;
  const eff = layer.effectiveKernel();
  const data = Float64Array.from(eff.dataSync());
  eff.dispose();
  return { kind: 'steps', steps: inner.steps.map((s) => (s.kind === 'linear' ? { kind: 'linear', piece: withKernel(s.piece, data) } : s)) };
});
