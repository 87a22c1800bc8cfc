import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { setBackend } from '../../src/backend/setBackend.js';
import { installLayerVariableWrite, uninstallLayerVariableWrite } from '../../src/backend/layerVariableWrite.js';

/** Saves a model whose kernel has a max-norm constraint (column [3, 4, 0] of norm 5), loads it, disposes it: tensors left, loaded column norm. */
async function loadLeak(): Promise<{ leaked: number; norm: number }> {
  const m = tfl.sequential({ layers: [tfl.layers.dense({ units: 2, inputShape: [3], useBias: false, kernelConstraint: tfl.constraints.maxNorm({ maxValue: 1, axis: 0 }) })] });
  const w = tf.tensor2d([[3, 0], [4, 0], [0, 0.5]]);
  m.layers[0].weights[0].write(w);
  w.dispose();
  let saved: tf.io.ModelArtifacts | undefined;
  await m.save(tf.io.withSaveHandler(async (a) => { saved = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  m.dispose();
  const before = tf.memory().numTensors;
  const loaded = await tfl.loadLayersModel(tf.io.fromMemory(saved!));
  const col = loaded.layers[0].weights[0].read().arraySync() as number[][];
  loaded.dispose();
  return { leaked: tf.memory().numTensors - before, norm: Math.hypot(col[0][0], col[1][0], col[2][0]) };
}

describe('LayerVariable.write (constraints applied when weights are loaded)', () => {
  it('applies the constraint and leaks nothing; the stock write leaks the constrained copy', async () => {
    await setBackend('cpu');
    installLayerVariableWrite();
    const ours = await loadLeak();
    expect(ours.leaked).toBe(0);
    expect(ours.norm).toBeCloseTo(1, 5);
    uninstallLayerVariableWrite();
    const stock = await loadLeak();
    installLayerVariableWrite();
    expect(stock.leaked).toBe(1);
    expect(stock.norm).toBeCloseTo(1, 5);
  });

  it('keeps tfjs-layers\' shape error', async () => {
    await setBackend('cpu');
    installLayerVariableWrite();
    const layer = tfl.layers.dense({ units: 2, inputShape: [3], useBias: false });
    layer.build([null, 3]);
    const bad = tf.zeros([2, 2]);
    expect(() => layer.setWeights([bad])).toThrow(/shape/i);
    bad.dispose();
  });
});
