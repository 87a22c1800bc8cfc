/**
 * lipkit's Node-only entry (`import ... from 'lipkit/node'`): everything in `lipkit` plus
 * what needs Node's file system: the model file handler and the command line.
 */
export * from './index.js';
export { fileIOHandler, WEIGHTS_FILE_NAME } from './cli/fileIOHandler.js';
export { runCli } from './cli/runCli.js';
export type { CliIO } from './cli/runCli.js';
export { certify } from './cli/certify.js';
export type { CertifyOptions, CertifyReport, CertifyLayer } from './cli/certify.js';
export { loadImageDataset, loadPixelSequences, IMAGE_DATASETS, FASHION_MNIST_DIRECTORY } from './data/loadImageDataset.js';
export type { ImageDatasetName, LoadImageOptions } from './data/loadImageDataset.js';
export { loadTimeSeries, vegaDatasetsDirectory, TIME_SERIES_DATASETS } from './data/loadTimeSeries.js';
export type { TimeSeriesName } from './data/loadTimeSeries.js';
