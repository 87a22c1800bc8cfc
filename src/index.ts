/**
 * lipkit: measure, regularize, constrain and certify the Lipschitz smoothness of
 * neural networks, on TensorFlow.js.
 */
import { installBackendFixes } from './backend/installBackendFixes.js';
import { useCpuUntilReady } from './backend/ready.js';

// No top-level await (issue 14): the module bundles for browsers as ESM or IIFE. cpu is active
// at once so a first call works; `await ready()` selects wasm (Node's entry, index.node.ts, awaits it).
installBackendFixes();
useCpuUntilReady();

/** The TF.js core namespace lipkit uses (one shared instance with your code). */
export * as tf from '@tensorflow/tfjs-core';
/** The TF.js layers namespace lipkit uses. */
export * as tfl from '@tensorflow/tfjs-layers';

export { setBackend, backendName, isNode } from './backend/setBackend.js';
export type { BackendName } from './backend/setBackend.js';
// Browser set-up (issue 14)
export { ready, setWasmPaths, type ReadyOptions, type WasmPaths } from './backend/ready.js';
export { installBackendFixes, uninstallBackendFixes } from './backend/installBackendFixes.js';
export { EXACT_GRADIENT_KERNELS, installExactSecondOrderGradients, uninstallExactSecondOrderGradients } from './backend/exactSecondOrderGradients.js';
export { installBatchMatMulGradient, uninstallBatchMatMulGradient } from './backend/batchMatMulGradient.js';
export { installWasmTransposedMatMul, uninstallWasmTransposedMatMul } from './backend/wasmTransposedMatMul.js';
export { installWasmConv2DBackpropFilter, uninstallWasmConv2DBackpropFilter } from './backend/wasmConv2DBackpropFilter.js';
export { installWasmUnsortedSegmentSum, uninstallWasmUnsortedSegmentSum } from './backend/wasmUnsortedSegmentSum.js';
export { installWasmConvSamePadding, uninstallWasmConvSamePadding } from './backend/wasmConvSamePadding.js';
export { installWasmConv2DBackpropInput, uninstallWasmConv2DBackpropInput } from './backend/wasmConv2DBackpropInput.js';
export { installTileGradient, uninstallTileGradient } from './backend/tileGradient.js';
export { installLayerVariableWrite, uninstallLayerVariableWrite } from './backend/layerVariableWrite.js';
export { stopGradient } from './backend/stopGradient.js';
export { LipkitError } from './util/errors.js';
export type { MatrixLike } from './util/validate.js';

export { lipschitzBound } from './estimate/network/lipschitzBound.js';
export type { LayerBound, LipschitzBoundOptions, LipschitzBoundResult } from './estimate/network/lipschitzBound.js';
export { lipschitzLowerBound } from './estimate/network/lipschitzLowerBound.js';
export type { LowerBoundOptions, LowerBoundResult } from './estimate/network/lipschitzLowerBound.js';
export { registerLipschitzRule } from './estimate/network/layerRules.js';
export type { LipschitzRule, LipschitzStep, LayerLipschitz, LayerContext } from './estimate/network/layerRules.js';
export type { LinearPiece } from './estimate/network/linearPiece.js';
export { ACTIVATION_LIPSCHITZ, SOFTMAX_LIPSCHITZ, activationLipschitz } from './estimate/network/activationLipschitz.js';
export { series, parallelSum, parallelMean, parallelStack } from './estimate/network/compose.js';

export { exactSingularValues } from './estimate/exactSingularValues.js';
export { powerIteration } from './estimate/powerIteration.js';
export type { LinearOperator, PowerIterationOptions, PowerIterationResult } from './estimate/powerIteration.js';
export { spectralNorm } from './estimate/spectralNorm.js';
export { spectralNormUpperBound, hermitianMaxEigenUpperBound } from './estimate/spectralNormUpperBound.js';
export type { SpectralBoundResult, SpectralBoundOptions } from './estimate/spectralNormUpperBound.js';
export { convSpectralNorm } from './estimate/conv/convSpectralNorm.js';
export type { ConvSpectralNormOptions, ConvSpectralNormResult, ConvPadding } from './estimate/conv/convSpectralNorm.js';
export { sequenceLipschitz } from './estimate/sequenceLipschitz.js';
export { certifiedRadius, certifiedAccuracy } from './estimate/certifiedRadius.js';
export { powerStep, matrixOperator, sigmaOf } from './estimate/powerStep.js';
export type { TensorOperator } from './estimate/powerStep.js';

// Soft: regularizers (issue 3)
export { lipReg, type LipRegOptions, type LipRegAxis, type LipRegNormalize } from './regularize/lipReg.js';
export { type LipRegSign } from './regularize/lipRegSign.js';
export { LipRegEmbedding, lipRegEmbedding, type LipRegEmbeddingConfig } from './regularize/LipRegEmbedding.js';
export { LipRegRegularizer, lipRegRegularizer, type LipRegRegularizerConfig } from './regularize/LipRegRegularizer.js';
export { ActivityRegularization, activityRegularization, type ActivityRegularizationConfig } from './regularize/ActivityRegularization.js';
export { decayedWeight, optimizerStep, type WeightSchedule } from './regularize/decayedWeight.js';
export { SpectralPenalty, spectralPenalty, type SpectralPenaltyOptions } from './regularize/SpectralPenalty.js';
export { gradientPenalty, gradientPenaltyWithOutput, type GradientPenaltyOptions } from './regularize/gradientPenalty.js';
export { type PenaltyMode, type PenaltyPointOptions } from './regularize/penaltyPoints.js';
export { type ModelFunction } from './regularize/inputGradient.js';
export { finiteDifferenceGradientPenalty, type FiniteDifferenceGradientPenaltyOptions } from './regularize/finiteDifferenceGradientPenalty.js';
export { jacobianPenalty, type JacobianPenaltyOptions } from './regularize/jacobianPenalty.js';
export { orthogonalityPenalty, type OrthogonalityPenaltyOptions } from './regularize/orthogonalityPenalty.js';
export { spectralTargetPenalty, type SpectralTargetPenaltyOptions } from './regularize/spectralTargetPenalty.js';
export { localLinearityPenalty, type LocalLinearityPenaltyOptions } from './regularize/localLinearityPenalty.js';

// Layers (issue 3)
export { SpectralNormalization, spectralNormalization } from './layers/SpectralNormalization.js';
export type { SpectralNormalizationConfig } from './layers/SpectralNormalization.js';
export type { KernelOperatorMethod } from './layers/kernelOperator.js';
export { GroupSort, groupSort, groupSortLayer, maxMin } from './layers/GroupSort.js';
export type { GroupSortConfig } from './layers/GroupSort.js';
export { OrthogonalDense, orthogonalDense } from './layers/OrthogonalDense.js';
export type { OrthogonalDenseConfig } from './layers/OrthogonalDense.js';
export { bjorck } from './layers/bjorck.js';
export { InvertibleResidual, invertibleResidual } from './layers/InvertibleResidual.js';
export type { InvertibleResidualConfig, InverseOptions, InverseResult } from './layers/InvertibleResidual.js';

// Constraints and optimizer (issue 3)
export { convKernelOperator, type ConvKernelOperator, type ConvKernelOperatorOptions } from './estimate/conv/convKernelOperator.js';
export { SpectralNormalize, spectralNormalize, type SpectralNormalizeOptions } from './constrain/SpectralNormalize.js';
export { LipschitzProjection, lipschitzProjection, type LipschitzProjectionOptions } from './constrain/LipschitzProjection.js';
export { SpectralHardCap, spectralHardCap, type SpectralHardCapOptions } from './constrain/SpectralHardCap.js';
export { SpectralSoftCap, spectralSoftCap, softCapAlpha, type SpectralSoftCapOptions } from './constrain/SpectralSoftCap.js';
export { SpectralHammer, spectralHammer, type SpectralHammerOptions } from './constrain/SpectralHammer.js';
export { BjorckOrthonormalize, bjorckOrthonormalize, type BjorckOrthonormalizeOptions } from './constrain/BjorckOrthonormalize.js';
export { applyConstraints, ConstraintsCallback, constraintsCallback } from './constrain/applyConstraints.js';
export { NO_OP_TOLERANCE, type ConvKernelOptions, type PowerVectorState } from './constrain/spectralConstraintBase.js';
// constraint guarantees (issue 12)
export { CHECK_SLACK, readGuarantee, type SpectralGuarantee, type GuaranteeOptions, type GuaranteeSettings } from './constrain/spectralGuarantee.js';
export { certifyMatrixNorm, type MatrixNormCertificate } from './constrain/certifiedMatrixNorm.js';
export { Muon, muon, type MuonOptions } from './optim/Muon.js';
export { newtonSchulz, oddPolynomialIteration, NEWTON_SCHULZ_STEP, HARD_CAP_STEPS, type OddStep } from './optim/oddPolynomial.js';

// Data for the continuity study (issue 4; generators and transforms, browser-safe)
export { listOps, applyListOpsOperator, LISTOPS_OPERATORS } from './data/listOps.js';
export type { ListOpsOptions, ListOpsData, ListOpsOperator } from './data/listOps.js';
export { tokenizeListOps, LISTOPS_VOCABULARY, PAD_ID } from './data/tokenizeListOps.js';
export type { TokenizedSequences } from './data/tokenizeListOps.js';
export { parseIdx } from './data/parseIdx.js';
export type { IdxArray } from './data/parseIdx.js';
export { highContrast } from './data/highContrast.js';
export type { HighContrastOptions } from './data/highContrast.js';
export { pixelSequences } from './data/pixelSequences.js';
export type { ImageSet, PixelSequenceOptions, PixelSequences, ContinuousPixelSequences, TokenPixelSequences } from './data/pixelSequences.js';
export { parseCsv } from './data/parseCsv.js';
export type { CsvTable } from './data/parseCsv.js';
export { tableToTimeSeries } from './data/timeSeries.js';
export type { TimeSeries, TimeStep, MissingPolicy, TableToTimeSeriesOptions } from './data/timeSeries.js';
export { fitStandardScaler } from './data/standardScaler.js';
export type { StandardScaler } from './data/standardScaler.js';
export { informerSplit } from './data/informerSplit.js';
export type { InformerSplit, InformerSplitOptions, WindowSet, ForecastFeatures } from './data/informerSplit.js';
export { forecastMetrics } from './data/forecastMetrics.js';
export { continuityTask, sineSumMap, SINE_MAP_TERMS } from './data/continuityTask.js';
export type { ContinuityTaskOptions, ContinuityTaskData, Continuity } from './data/continuityTask.js';

// Sequence models (issue 4)
export { MultiHeadAttention, multiHeadAttention, multiHeadSelfAttention, MASK_BIAS, type MultiHeadAttentionConfig, type AttentionWeights, type SelfAttentionOptions } from './models/MultiHeadAttention.js';
export { TransformerEncoder, transformerEncoder, layerNorm, type TransformerEncoderConfig, type NormPlacement, type FeedForwardActivation } from './models/TransformerEncoder.js';
export { LayerNorm, type LayerNormConfig } from './models/LayerNorm.js';
export { PositionalEncoding, positionalEncoding, sinusoidalPositions, type PositionalEncodingConfig, type PositionalKind } from './models/positionalEncoding.js';
export { S4D, s4d, type S4DConfig, type S4DActivation } from './models/S4D.js';
export { s4dKernel, s4dInitialParameters, type S4DInit, type S4DParameters, type S4DInitOptions } from './models/s4dKernel.js';
export { causalConvolution, type CausalConvolutionMethod } from './models/causalConvolution.js';
export { convEmbedding, tokenEmbedding, type ConvEmbeddingOptions, type TokenEmbeddingOptions } from './models/ConvEmbedding.js';
export { classificationHead, forecastingHead, MaskedMeanPooling, LastTimeStep, type ClassificationHeadOptions, type ForecastingHeadOptions } from './models/heads.js';
export { buildSequenceModel, type SequenceModelOptions, type SequenceTask } from './models/buildSequenceModel.js';

// Data and study contract for the smoothness studies (issue 5)
export { twoMoons, type TwoMoonsOptions, type TwoMoonsData } from './data/twoMoons.js';
export { sumOfSines, SUM_OF_SINES_FREQUENCIES, SUM_OF_SINES_AMPLITUDES, type SumOfSinesOptions, type SumOfSinesData } from './data/sumOfSines.js';
export { STUDY_MODES, type StudyMode, type StudyProgress, type StudyRunOptions, type StudyOutput, type StudyFigure, type StudyTable, type StudyClaim, type StudyDefinition, type VegaLiteSpec, type Json } from './studies/study.js';

// Structure-aware convolution norms and the model zoo (issue 10)
export { convFastNorm, type ConvFastNormOptions } from './estimate/conv/convFastNorm.js';
export type { ConvNormBound } from './estimate/conv/convNormBound.js';
export { conv1x1Norm } from './estimate/conv/conv1x1Norm.js';
export { depthwiseNorm, depthwiseMultiplier } from './estimate/conv/depthwiseNorm.js';
export { convGramScan, type ConvGramScanOptions } from './estimate/conv/convGramScan.js';
export { gramIterationBound, type GramIterationOptions, type GramIterationResult } from './estimate/conv/gramIteration.js';
export { convGeometry, convGeometryOf, type ConvGeometry } from './estimate/conv/convGeometry.js';
export type { ConvNormMethod } from './estimate/network/linearPiece.js';
export { mobileNetV2 } from './models/zoo/mobileNetV2.js';
export { resNet50 } from './models/zoo/resNet50.js';
export { inceptionV3 } from './models/zoo/inceptionV3.js';
export { vgg16 } from './models/zoo/vgg16.js';
export type { ZooModelOptions } from './models/zoo/zooBuilder.js';

// Soundness: realized-quotient lower bound, float32 allowance (issues 9, 10)
export { DEFAULT_LOWER_BOUND_BUDGET_SECONDS } from './estimate/network/lipschitzLowerBound.js';
export type { LowerBoundProgress, LowerBoundWork, QuotientPair } from './estimate/network/lipschitzLowerBound.js';
export { float32Allowance, FLOAT32_UNIT_ROUNDOFF } from './estimate/lower/float32Allowance.js';
export { compareWithLower, type SoundnessVerdict } from './estimate/lower/compareWithLower.js';

// Statistics for claims judged with paired seeds (issue 13)
export { pairedDifferences } from './studies/stats/pairedDifferences.js';
export { meanInterval, type MeanInterval } from './studies/stats/meanInterval.js';
export { studentTCdf, studentTTwoSided, studentTQuantile } from './studies/stats/studentT.js';
export { signFlipPValue, type SignFlipOptions, type SignFlipResult, type Alternative } from './studies/stats/signFlipPValue.js';
export { pairedTTest, type PairedTTestResult } from './studies/stats/pairedTTest.js';
export { holmAdjust } from './studies/stats/holmAdjust.js';
export { pairedEvidence, judgeClaim, judgeFamily, pairedVerdict, type PairedEvidenceOptions } from './studies/stats/judgeClaim.js';
export { verdictClaim } from './studies/stats/verdictClaim.js';
export { VERDICTS, type Verdict, type ClaimDirection, type PairedTest, type PairedEvidence, type PairedVerdict } from './studies/stats/verdictTypes.js';

// Local certified bounds around inputs (issue 11)
export { localLipschitzBound, type LocalLipschitzOptions, type LocalLipschitzResult } from './estimate/local/localLipschitzBound.js';
export { localCertifiedRadius, type LocalCertifiedRadiusOptions, type LocalCertifiedRadiusResult } from './estimate/local/localCertifiedRadius.js';
// tight global certificates (issue 11)
export { tightBounds, BOUND_METHODS } from './estimate/global/boundMethods.js';
export type { BoundMethod, MethodBounds, TightBoundsResult } from './estimate/global/boundMethods.js';
export { extractLayerChain } from './estimate/global/layerChain.js';
export type { LayerChain, ChainLinear, ChainActivation, ChainResult } from './estimate/global/chainTypes.js';
export { combettesPesquetBound, chainProductBound } from './estimate/global/combettesPesquet.js';
export { eclipseFast, certifySdpBound } from './estimate/global/eclipseFast.js';
export type { SdpBound } from './estimate/global/eclipseFast.js';
export { lipsdpNeuronBound } from './estimate/global/lipsdpNeuron.js';
export type { LipsdpNeuronOptions } from './estimate/global/lipsdpNeuron.js';
export { certifyFeasible } from './estimate/global/certifyFeasible.js';
export { exactPlanarLipschitz } from './estimate/global/exactPlanar.js';
export type { ExactPlanarOptions, ExactPlanarResult } from './estimate/global/exactPlanar.js';
export { chainLowerBound } from './estimate/global/chainLowerBound.js';
export type { ChainLowerBoundOptions, ChainLowerBound } from './estimate/global/chainLowerBound.js';

// Activation-pattern search lower bounds (issue 11)
export { activationPatternSearch } from './estimate/lower/activationPatternSearch.js';
export type { PatternSearchOptions, PatternSearchResult, PatternCandidate } from './estimate/lower/activationPatternSearch.js';

// Uncertainty output heads: SNGP and DUQ (issue 15)
export { RandomFeatureGP, randomFeatureGP } from './layers/RandomFeatureGP.js';
export type { RandomFeatureGPConfig, GPPrediction } from './layers/RandomFeatureGP.js';
export { SNGPCovarianceCallback, sngpCovarianceCallback } from './layers/sngpCovarianceCallback.js';
export type { SNGPCovarianceCallbackOptions } from './layers/sngpCovarianceCallback.js';
export { sngpPredict } from './layers/sngpPredict.js';
export type { SNGPPrediction } from './layers/sngpPredict.js';
export { DUQOutput, duqOutput } from './layers/DUQOutput.js';
export type { DUQOutputConfig } from './layers/DUQOutput.js';
export { duqLoss, duqGradientPenalty, duqUpdateCentroids, DUQCentroidCallback } from './layers/duqTraining.js';
export type { DUQPenaltyOptions } from './layers/duqTraining.js';
export { layerInputFeatures } from './layers/layerInputFeatures.js';
export { invertSpd } from './layers/gpCovariance.js';

// GAN trainer: WGAN-GP and spectrally normalized critics (issue 15)
export { GanTrainer, ganTrainer, type RealSource, type GanStepResult, type GanCallbacks, type GanTrainOptions, type GanHistory } from './optim/GanTrainer.js';
export { GAN_LOSSES, criticLoss, generatorLoss, type GanLoss } from './optim/ganLosses.js';
export { criticObjective, type CriticObjective } from './optim/criticObjective.js';
export type { GanTrainerOptions, GanPenaltySettings, AdamSettings } from './optim/ganTrainerOptions.js';
