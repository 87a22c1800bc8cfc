// The `lipkit playground` page: train a small network in the browser and watch its smoothness.
import { lipschitzBound } from '../../src/estimate/network/lipschitzBound.js';
import { lipschitzLowerBound } from '../../src/estimate/network/lipschitzLowerBound.js';
import { seededNormal } from '../../src/util/random.js';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import type { MlpActivation } from '../../src/studies/mlp/buildMlp.js';
import { chooseBackend } from './backendChoice.js';
import { makeData, type DatasetName, type PlaneData } from './data.js';
import { DropError, loadDropped } from './loadDropped.js';
import { renderLayerTable } from './layerTable.js';
import { METHODS, Trainer, type MethodName } from './model.js';
import { drawSurface } from './surface.js';

/** Steps between redraws of the surface and the loss, and between bound computations. */
const DRAW_EVERY = 10;
const BOUND_EVERY = 30;

const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;
const num = (id: string): number => Number($<HTMLInputElement>(id).value);
const fmt = (x: number): string => (Number.isFinite(x) ? Number(x.toPrecision(4)).toString() : '-');

let trainer: Trainer | null = null;
let data: PlaneData | null = null;
let running = false;

function knobUi(): void {
  const m = METHODS[$<HTMLSelectElement>('method').value as MethodName];
  $('knob-row').hidden = m.knob === null;
  $('knob-label').textContent = m.knob ?? '';
  $<HTMLInputElement>('knob').value = String(m.value);
}

function showBounds(): void {
  if (trainer === null) return;
  const bound = lipschitzBound(trainer.model, { method: 'product' }); // live, every redraw: the cheap product
  const probe = tf.tidy(() => tf.slice(trainer!.inputs, [0, 0], [Math.min(64, trainer!.inputs.shape[0]), 2]));
  let lower: number;
  try {
    lower = lipschitzLowerBound(trainer.model, probe, { steps: 3, seed: 0 }).lowerBound;
  } finally {
    probe.dispose();
  }
  $('upper').textContent = fmt(bound.upperBound);
  $('upper').dataset.step = String(trainer.steps);
  $('lower').textContent = fmt(lower);
  renderLayerTable($<HTMLTableElement>('layers'), bound.layers, { upperBound: bound.upperBound, lowerBound: lower, certified: bound.certified });
}

function draw(loss?: [number, number, number]): void {
  if (trainer === null || data === null) return;
  const cells = drawSurface($<HTMLCanvasElement>('surface'), trainer.model, data.points, data.labels);
  $('surface').dataset.cells = String(cells);
  $('step').textContent = String(trainer.steps);
  if (loss !== undefined) {
    $('loss').textContent = `${fmt(loss[0])} (cross-entropy ${fmt(loss[1])}, penalty ${fmt(loss[2])})`;
    $('accuracy').textContent = `${(100 * trainer.accuracy()).toFixed(1)} %`;
  }
}

function reset(): void {
  running = false;
  $('train').textContent = 'Train';
  trainer?.dispose();
  $('noise-value').textContent = $<HTMLInputElement>('noise').value;
  $('count-value').textContent = $<HTMLInputElement>('count').value;
  data = makeData($<HTMLSelectElement>('dataset').value as DatasetName,
    { count: num('count'), noise: num('noise'), seed: num('seed') });
  const knob = num('knob');
  trainer = new Trainer({
    width: num('width'), depth: num('depth'), activation: $<HTMLSelectElement>('activation').value as MlpActivation,
    method: $<HTMLSelectElement>('method').value as MethodName, knob: Number.isFinite(knob) && knob > 0 ? knob : 1,
    learningRate: num('lr'), seed: num('seed'),
  }, data.points, data.labels);
  $('loss').textContent = '-';
  $('accuracy').textContent = '-';
  draw();
  showBounds();
  $('tight').textContent = 'computed when paused';
  delete $('tight').dataset.step;
  setTimeout(showTightBound, 0);
}

async function loop(): Promise<void> {
  while (running && trainer !== null) {
    const t = trainer;
    const loss = t.train(DRAW_EVERY);
    if (t !== trainer) break;
    draw(loss);
    if (t.steps % BOUND_EVERY === 0) showBounds();
    if (!Number.isFinite(loss[0])) {
      running = false;
      $('train').textContent = 'Train';
      $('message').textContent = 'Training diverged (the loss is not finite): lower the learning rate and reset.';
    }
    await new Promise((r) => setTimeout(r, 0)); // let the page breathe: clicks, drops, repaints
  }
  if (trainer !== null && $('upper').dataset.step !== String(trainer.steps)) showBounds(); // paused: bound the current model
  if (!running) setTimeout(showTightBound, 0);
}

/**
 * When training is paused: the tight certified bound (method 'auto', as `lipkit certify`: ECLipsE-Fast,
 * LipSDP-Neuron and, for these 2-D inputs, the exact constant, within a 1 s budget) and the method that won.
 * Too slow for every redraw, so the live bound above stays the product.
 */
function showTightBound(): void {
  if (trainer === null || running) return;
  const el = $('tight');
  if (el.dataset.step === String(trainer.steps)) return;
  const bound = lipschitzBound(trainer.model, { method: 'auto', budget: 1 });
  el.textContent = `${fmt(bound.upperBound)} (${bound.method}; product ${fmt(bound.bounds.product)})`;
  el.dataset.step = String(trainer.steps);
  el.dataset.method = bound.method;
}

async function certifyFiles(files: File[]): Promise<void> {
  const message = $('certify-message');
  const table = $<HTMLTableElement>('certify-table');
  table.replaceChildren();
  message.textContent = `Loading ${files.map((f) => f.name).join(', ')} ...`;
  let model: tfl.LayersModel | null = null;
  try {
    model = await loadDropped(files);
    const bound = lipschitzBound(model, { method: 'auto' }); // as `lipkit certify` (its default --method auto)
    const shape = model.inputs.length === 1 ? model.inputs[0].shape.slice(1) : [null];
    let lower: number | null = null;
    if (shape.every((s) => typeof s === 'number')) {
      const x = seededNormal([16, ...(shape as number[])], 0);
      try {
        lower = lipschitzLowerBound(model, x, { steps: 20, seed: 0 }).lowerBound;
      } finally {
        x.dispose();
      }
    }
    renderLayerTable(table, bound.layers, { upperBound: bound.upperBound, lowerBound: lower, certified: bound.certified });
    message.textContent = `${model.name}: ${bound.certified ? 'certified' : 'NOT certified'} upper bound ${fmt(bound.upperBound)}` +
      (lower === null ? '' : `, empirical lower bound ${fmt(lower)} (16 random normal inputs, seed 0)`);
    message.className = 'ok';
  } catch (e) {
    table.replaceChildren();
    message.textContent = e instanceof DropError ? e.message : `The model could not be certified: ${(e as Error).message}`;
    message.className = 'error';
  } finally {
    model?.dispose();
  }
}

async function main(): Promise<void> {
  const backend = await chooseBackend();
  $('backend').textContent = backend.text;
  document.body.dataset.backend = backend.name;
  const method = $<HTMLSelectElement>('method');
  for (const [key, m] of Object.entries(METHODS)) method.add(new Option(m.label, key));
  knobUi();
  method.addEventListener('change', () => { knobUi(); reset(); });
  for (const id of ['dataset', 'noise', 'count', 'seed', 'width', 'depth', 'activation', 'knob', 'lr']) {
    $(id).addEventListener('change', reset);
  }
  $('reset').addEventListener('click', reset);
  $('train').addEventListener('click', () => {
    running = !running;
    $('train').textContent = running ? 'Pause' : 'Train';
    if (running) { $('tight').textContent = 'computed when paused'; delete $('tight').dataset.step; }
    $('message').textContent = '';
    if (running) void loop();
  });
  $('export').addEventListener('click', () => { void trainer?.model.save('downloads://lipkit-playground'); });
  const drop = $('drop');
  drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
  drop.addEventListener('dragleave', () => drop.classList.remove('over'));
  drop.addEventListener('drop', (e) => {
    e.preventDefault();
    drop.classList.remove('over');
    void certifyFiles(Array.from(e.dataTransfer?.files ?? []));
  });
  $<HTMLInputElement>('files').addEventListener('change', (e) => {
    void certifyFiles(Array.from((e.target as HTMLInputElement).files ?? []));
  });
  reset();
  document.body.dataset.ready = 'true';
}

main().catch((e: unknown) => {
  $('message').textContent = `The playground could not start: ${(e as Error).message}`;
});
