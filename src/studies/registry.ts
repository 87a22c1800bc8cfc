import type { StudyDefinition } from './study.js';
import { twoMoonsStudy } from './twoMoons/twoMoonsStudy.js';
import { dataScaleStudy } from './dataScale/dataScaleStudy.js';
import { optimizerStudy } from './optimizer/optimizerStudy.js';
import { spectralBiasStudy } from './spectralBias/spectralBiasStudy.js';
import { enforcedLipschitzStudy } from './enforcedLipschitz/enforcedLipschitzStudy.js';
import { invertibleStudy } from './invertible/invertibleStudy.js';
import { uncertaintyStudy } from './uncertainty/uncertaintyStudy.js';
import { ganStudy } from './gan/ganStudy.js';

/**
 * The smoothness studies of the source talks, each `lipkit study NAME` (the continuity study
 * has its own command with its plan flags): two-moons, data-scale, optimizer, spectral-bias,
 * enforced-lipschitz, invertible, uncertainty, gan.
 */
export const STUDIES: readonly StudyDefinition[] = [twoMoonsStudy, dataScaleStudy, optimizerStudy, spectralBiasStudy, enforcedLipschitzStudy, invertibleStudy, uncertaintyStudy, ganStudy];
