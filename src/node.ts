/**
 * lipkit's Node-only entry (`import ... from 'lipkit/node'`): everything in `lipkit` plus
 * what needs Node's file system: the model file handler and the command line.
 */
export * from './index.node.js';
export { fileIOHandler, WEIGHTS_FILE_NAME } from './cli/fileIOHandler.js';
export { runCli } from './cli/runCli.js';
export type { CliIO } from './cli/runCli.js';
export { certify } from './cli/certify.js';
export type { CertifyOptions, CertifyReport, CertifyLayer } from './cli/certify.js';
export { loadImageDataset, loadPixelSequences, IMAGE_DATASETS, FASHION_MNIST_DIRECTORY } from './data/loadImageDataset.js';
export type { ImageDatasetName, LoadImageOptions } from './data/loadImageDataset.js';
export { loadTimeSeries, vegaDatasetsDirectory, TIME_SERIES_DATASETS } from './data/loadTimeSeries.js';
export type { TimeSeriesName } from './data/loadTimeSeries.js';
export { runOne } from './studies/continuity/runOne.js';
export type { RunRecord, RunCurves } from './studies/continuity/runOne.js';
export { runStudy } from './studies/continuity/runStudy.js';
export type { RunStudyOptions, StudyResult } from './studies/continuity/runStudy.js';
export { expandPlan, presetPlan, validatePlan, checkTaskFits, PRESET_SIZES, STUDY_PRESETS } from './studies/continuity/plan.js';
export type { StudyPlan, StudyPreset } from './studies/continuity/plan.js';
export { summarize, formatMarkdown, rowCells, meanStd } from './studies/continuity/summarize.js';
export { selectByValidation, type SelectedRun } from './studies/continuity/selectLambda.js';
export { continuityClaims, PRIMARY_CLAIMS, CONTROL_CLAIMS } from './studies/continuity/continuityClaims.js';
export type { SummaryRow } from './studies/continuity/summarize.js';
export { validateRunSpec, checkLambdaSign, armDefinition, STUDY_ARMS, STUDY_TASKS, STUDY_MODELS } from './studies/continuity/spec.js';
export type { RunSpec, RunSizes, ArmDefinition, StudyTask, StudyModel } from './studies/continuity/spec.js';
export { buildStudyData, forecastSplit } from './studies/continuity/studyData.js';
export { parseStudyTask, pixelDownsample, FORECAST_SERIES, PIXEL_TASKS, TASK_FORMS } from './studies/continuity/tasks.js';
export type { TaskInfo, ForecastSeries } from './studies/continuity/tasks.js';
export type { StudyData, StudySplit } from './studies/continuity/studyData.js';
export { buildStudyModel } from './studies/continuity/studyModel.js';
export { studyCommand, parseLambdas } from './cli/studyCommand.js';

// Studies of issue 5, the report and the demo (Node: file IO, worker threads, MNIST loaders)
export { STUDIES } from './studies/registry.js';
export { runTwoMoons, twoMoonsStudy, type TwoMoonsRunOptions } from './studies/twoMoons/twoMoonsStudy.js';
export { runDataScale, dataScaleStudy } from './studies/dataScale/dataScaleStudy.js';
export { runOptimizer, optimizerStudy } from './studies/optimizer/optimizerStudy.js';
export { runSpectralBias, spectralBiasStudy, type SpectralBiasRunOptions } from './studies/spectralBias/spectralBiasStudy.js';
export { runEnforcedLipschitz, enforcedLipschitzStudy } from './studies/enforcedLipschitz/enforcedLipschitzStudy.js';
export { runInvertibleStudy, invertibleStudy, type InvertibleRunOptions } from './studies/invertible/invertibleStudy.js';
export { runContinuity, continuityStudy, continuityPlan, type ContinuityRunOptions } from './studies/continuity/continuityStudy.js';
export { continuityOutput } from './studies/continuity/continuityOutput.js';
export { writeStudyFiles, type WriteStudyFilesOptions, type WrittenStudyFiles } from './report/writeStudyFiles.js';
export { checkOutputDirectory } from './report/checkOutputDirectory.js';
export { renderFigureSvg } from './report/renderFigure.js';
export { reportHtml, type ReportHtmlOptions } from './report/reportHtml.js';
export { resultsMarkdown } from './report/markdown.js';

// Model files (issue 9): the loader of `lipkit certify`, with every check on untrusted files
export { loadModel } from './cli/loadModel.js';
