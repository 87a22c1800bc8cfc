import { LipkitError } from '../../util/errors.js';

/** Deepest JSON nesting accepted in model.json (real topologies stay below 30). */
export const MAX_JSON_DEPTH = 100;
/** Most objects with a class name (layers, initializers, ...) accepted in one topology. */
export const MAX_CLASS_OBJECTS = 200_000;
/** Most layer calls (nodes) accepted in one functional graph. */
export const MAX_GRAPH_NODES = 10_000;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

function isObject(v: Json | undefined): v is JsonObject {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A key in Keras's snake_case or TF.js's camelCase spelling. */
function field(o: JsonObject, snake: string): Json | undefined {
  const camel = snake.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  return o[snake] ?? o[camel];
}

const CONTAINERS = new Set(['Model', 'Functional', 'Sequential']);

/**
 * Checks a model.json's `modelTopology` before TF.js builds anything from it, so that a
 * hostile topology cannot make the loader spin or recurse without end: JSON nesting at most
 * `MAX_JSON_DEPTH`, at most `MAX_CLASS_OBJECTS` class objects, and every functional graph
 * (an object with `layers` and `input_layers`, at any depth, nested models included) one that
 * TF.js's `Container.fromConfig` can finish: unique layer names, every inbound reference
 * `[layer, node, tensor]` naming a layer of the same graph, and the graph acyclic: an abstract
 * run of TF.js's own node-processing loop (which re-queues a node until its inputs exist and
 * so never ends on a cycle, a self-loop or a dangling reference) must process every node.
 * Errors are `LipkitError(file, ...)` naming the layer.
 */
export function checkTopology(file: string, topology: unknown): void {
  const stack: { value: Json; depth: number }[] = [{ value: topology as Json, depth: 1 }];
  let classObjects = 0;
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_JSON_DEPTH) throw new LipkitError(file, `modelTopology is nested deeper than ${MAX_JSON_DEPTH} levels`);
    if (Array.isArray(value)) {
      for (const v of value) stack.push({ value: v, depth: depth + 1 });
      continue;
    }
    if (typeof field(value, 'class_name') === 'string') {
      classObjects += 1;
      if (classObjects > MAX_CLASS_OBJECTS) throw new LipkitError(file, `modelTopology holds more than ${MAX_CLASS_OBJECTS} layers and other objects`);
    }
    if (Array.isArray(value.layers) && field(value, 'input_layers') !== undefined) checkGraph(file, value);
    for (const v of Object.values(value)) stack.push({ value: v, depth: depth + 1 });
  }
}

/** Nodes a layer has before the graph calls it: an InputLayer's and a built nested model's own node. */
function initialNodes(layer: JsonObject): number {
  const cls = field(layer, 'class_name');
  if (cls === 'InputLayer') return 1;
  if (typeof cls !== 'string' || !CONTAINERS.has(cls)) return 0;
  if (cls !== 'Sequential') return 1;
  const config = layer.config;
  const layers = Array.isArray(config) ? config : isObject(config) && Array.isArray(config.layers) ? config.layers : [];
  const first = layers[0];
  if (!isObject(first)) return 0;
  const firstConfig = isObject(first.config) ? first.config : {};
  return field(first, 'class_name') === 'InputLayer' || field(firstConfig, 'batch_input_shape') != null || field(firstConfig, 'input_shape') != null ? 1 : 0;
}

interface Ref { layer: string; node: number }

function checkGraph(file: string, graph: JsonObject): void {
  const graphName = typeof graph.name === 'string' ? `'${graph.name}'` : 'the model';
  const layers = graph.layers as Json[];
  const names: string[] = [];
  const count = new Map<string, number>();
  const pending = new Map<string, Ref[][]>();
  let nodes = 0;
  layers.forEach((layer, i) => {
    const where = `layer ${i} of ${graphName}`;
    if (!isObject(layer) || typeof layer.name !== 'string') throw new LipkitError(file, `${where} has no name`);
    if (count.has(layer.name)) throw new LipkitError(file, `${graphName} has two layers named '${layer.name}'`);
    const inbound = field(layer, 'inbound_nodes') ?? [];
    if (!Array.isArray(inbound)) throw new LipkitError(file, `layer '${layer.name}': inbound_nodes must be an array`);
    const calls = inbound.map((node, k) => {
      if (!Array.isArray(node)) throw new LipkitError(file, `layer '${layer.name}': inbound node ${k} must be an array`);
      return node.map((ref): Ref => {
        if (!Array.isArray(ref) || typeof ref[0] !== 'string' || !Number.isInteger(ref[1]) || (ref[1] as number) < 0
          || !Number.isInteger(ref[2]) || (ref[2] as number) < 0) {
          throw new LipkitError(file, `layer '${layer.name}': inbound node ${k} holds ${JSON.stringify(ref)}, expected [layer name, node index, tensor index]`);
        }
        return { layer: ref[0], node: ref[1] as number };
      });
    });
    nodes += calls.length;
    if (nodes > MAX_GRAPH_NODES) throw new LipkitError(file, `${graphName} has more than ${MAX_GRAPH_NODES} layer calls`);
    names.push(layer.name);
    count.set(layer.name, initialNodes(layer));
    pending.set(layer.name, calls);
  });
  for (const [name, calls] of pending) {
    for (const call of calls) {
      const missing = call.find((r) => !count.has(r.layer));
      if (missing !== undefined) throw new LipkitError(file, `layer '${name}' takes its input from '${missing.layer}', which is not a layer of ${graphName}`);
    }
  }
  // The loop of tfjs-layers' Container.fromConfig, on node counts instead of tensors.
  let left = [...pending.values()].reduce((a, c) => a + c.length, 0);
  while (left > 0) {
    let progressed = false;
    for (const name of names) {
      const calls = pending.get(name)!;
      if (calls.length === 0) continue;
      const stuck: Ref[][] = [];
      for (const call of calls) {
        if (call.every((r) => count.get(r.layer)! > r.node)) {
          if (call.length > 0) count.set(name, count.get(name)! + 1);
          progressed = true;
          left -= 1;
        } else {
          stuck.push(call);
        }
      }
      pending.set(name, stuck);
    }
    if (!progressed) {
      const name = names.find((n) => pending.get(n)!.length > 0)!;
      const ref = pending.get(name)![0].find((r) => count.get(r.layer)! <= r.node)!;
      throw new LipkitError(file, `${graphName} is not a feed-forward graph: layer '${name}' waits for node ${ref.node} of '${ref.layer}', which never exists (a cycle, a self-loop or a bad node index)`);
    }
  }
  for (const key of ['input_layers', 'output_layers']) {
    const refs = field(graph, key);
    if (!Array.isArray(refs)) throw new LipkitError(file, `${graphName}: ${key} must be an array`);
    for (const ref of refs) {
      if (!Array.isArray(ref) || typeof ref[0] !== 'string' || !count.has(ref[0]) || !Number.isInteger(ref[1]) || (ref[1] as number) < 0 || count.get(ref[0])! <= (ref[1] as number)) {
        throw new LipkitError(file, `${graphName}: ${key} entry ${JSON.stringify(ref)} does not name a node of the graph`);
      }
    }
  }
}
