import { beforeAll, describe, expect, it } from 'vitest';
import { setBackend } from '../../../src/backend/setBackend.js';
import * as tfl from '@tensorflow/tfjs-layers';
import { checkTopology, MAX_JSON_DEPTH } from '../../../src/cli/modelFiles/checkTopology.js';
import { LipkitError } from '../../../src/util/errors.js';
import { loopTopology } from '../hostileFiles.js';

function expectRefused(topology: unknown, message: RegExp): void {
  let error: unknown;
  try { checkTopology('m.json', topology); } catch (e) { error = e; }
  expect(error).toBeInstanceOf(LipkitError);
  expect((error as LipkitError).argument).toBe('m.json');
  expect((error as Error).message).toMatch(message);
}

type Graph = { class_name: string; config: { layers: { name: string; inbound_nodes: unknown[] }[]; output_layers: unknown[]; input_layers: unknown[] } };

/** A real topology as TF.js saves it: a shared layer at two depths (A(B(A(x)))), a nested Sequential and a nested functional model, a residual Add. */
function realTopology(): Graph {
  const inner = tfl.sequential({ layers: [tfl.layers.dense({ inputShape: [4], units: 3 }), tfl.layers.dense({ units: 4 })] });
  const i2 = tfl.input({ shape: [4] });
  const innerF = tfl.model({ inputs: i2, outputs: tfl.layers.dense({ units: 2 }).apply(i2) as tfl.SymbolicTensor });
  const x = tfl.input({ shape: [4] });
  const shared = tfl.layers.dense({ units: 4 });
  const a = shared.apply(x) as tfl.SymbolicTensor;
  const c = shared.apply(inner.apply(a)) as tfl.SymbolicTensor;
  const d = tfl.layers.add().apply([a, c]) as tfl.SymbolicTensor;
  const m = tfl.model({ inputs: x, outputs: innerF.apply(d) as tfl.SymbolicTensor });
  const json = JSON.parse(JSON.stringify(m.toJSON(null, false))) as Graph;
  m.dispose();
  return json;
}

describe('checkTopology', () => {
  beforeAll(async () => { await setBackend('cpu'); });

  it('accepts real topologies: shared layers at two depths, nested Sequential and functional models, residual adds, layers listed in reverse order', () => {
    const t = realTopology();
    expect(() => checkTopology('m.json', t)).not.toThrow();
    t.config.layers.reverse(); // TF.js re-queues nodes until their inputs exist: order does not matter
    expect(() => checkTopology('m.json', t)).not.toThrow();
    expect(() => checkTopology('m.json', { model_config: t, training_config: null })).not.toThrow();
  });

  it('refuses a cycle, a self-loop and a dangling reference (on which TF.js would spin forever)', () => {
    expectRefused(loopTopology('b'), /not a feed-forward graph: layer 'a' waits for node 0 of 'b'/);
    expectRefused(loopTopology('a'), /not a feed-forward graph: layer 'a' waits for node 0 of 'a'/);
    expectRefused(loopTopology('ghost'), /layer 'a' takes its input from 'ghost', which is not a layer of 'loop'/);
  });

  it('refuses a node index that never exists, a bad output reference, duplicate names, malformed refs', () => {
    const t = realTopology();
    const add = t.config.layers.find((l) => l.name.startsWith('add'))!;
    const bad = JSON.parse(JSON.stringify(t)) as Graph;
    (bad.config.layers.find((l) => l.name === add.name)!.inbound_nodes[0] as unknown[][])[0][1] = 5;
    expectRefused(bad, /waits for node 5 of/);
    const out = JSON.parse(JSON.stringify(t)) as Graph;
    out.config.output_layers = [['nowhere', 0, 0]];
    expectRefused(out, /output_layers entry \["nowhere",0,0\] does not name a node/);
    const dup = JSON.parse(JSON.stringify(t)) as Graph;
    dup.config.layers[2].name = dup.config.layers[1].name;
    expectRefused(dup, /two layers named/);
    const malformed = JSON.parse(JSON.stringify(t)) as Graph;
    (malformed.config.layers.find((l) => l.name === add.name)!.inbound_nodes[0] as unknown[])[0] = 'x';
    expectRefused(malformed, /expected \[layer name, node index, tensor index\]/);
  });

  it('finds a cycle inside a nested model', () => {
    const outer = loopTopology('in') as { config: { layers: unknown[] } };
    outer.config.layers.push({ name: 'nested', class_name: 'Model', config: (loopTopology('b') as { config: unknown }).config, inbound_nodes: [] });
    expectRefused(outer, /not a feed-forward graph: layer 'a' waits for node 0 of 'b'/);
  });

  it('refuses JSON nested deeper than the limit, before any recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < MAX_JSON_DEPTH + 5; i++) deep = [deep];
    expectRefused({ class_name: 'Sequential', config: { layers: [], junk: deep } }, /nested deeper than 100 levels/);
    let ok: unknown = 1;
    for (let i = 0; i < 50; i++) ok = [ok];
    expect(() => checkTopology('m.json', { class_name: 'Sequential', config: { layers: [], junk: ok } })).not.toThrow();
  });
});
