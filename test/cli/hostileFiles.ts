import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What one spawned `lipkit` run did. */
export interface HostileRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Peak resident memory of the process tree's largest process, MiB (GNU time %M). */
  maxRssMiB: number;
  /** User + system CPU seconds (GNU time %U + %S). */
  cpuSeconds: number;
  /** Paths the process opened (open/openat), when traced with strace; null otherwise. */
  opened: string[] | null;
}

const HAS_TIME = existsSync('/usr/bin/time');
const HAS_STRACE = existsSync('/usr/bin/strace') && spawnSync('/usr/bin/strace', ['-qq', '-o', '/dev/null', 'true']).status === 0;

/**
 * Spawns the real CLI (`node --import tsx src/cli/main.ts ...args`) under GNU time (peak RSS
 * and CPU seconds, written to a file so stderr stays the CLI's own) and, with `trace`, under
 * strace (every path it opens), killed after `timeoutMs` of wall clock.
 */
export async function runLipkit(args: string[], { work, trace = false, timeoutMs = 90_000 }: { work: string; trace?: boolean; timeoutMs?: number }): Promise<HostileRun> {
  mkdirSync(work, { recursive: true });
  const timeFile = join(work, `time-${process.hrtime.bigint()}.txt`);
  const traceFile = join(work, `trace-${process.hrtime.bigint()}.txt`);
  let argv = [process.execPath, '--import', 'tsx', 'src/cli/main.ts', ...args];
  if (trace && HAS_STRACE) argv = ['/usr/bin/strace', '-f', '-qq', '--seccomp-bpf', '-e', 'trace=open,openat,openat2', '-o', traceFile, ...argv];
  if (HAS_TIME) argv = ['/usr/bin/time', '-o', timeFile, '-f', '%M %U %S', ...argv];
  const r = await new Promise<{ status: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(argv[0], argv.slice(1), { env: { ...process.env, LIPKIT_BACKEND: 'cpu' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (status, signal) => { clearTimeout(timer); resolve({ status, signal, stdout, stderr }); });
  });
  let maxRssMiB = Number.NaN;
  let cpuSeconds = Number.NaN;
  if (HAS_TIME && existsSync(timeFile)) {
    const last = readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
    const [kb, user, sys] = last.split(' ').map(Number);
    maxRssMiB = kb / 1024;
    cpuSeconds = user + sys;
    rmSync(timeFile, { force: true });
  }
  let opened: string[] | null = null;
  if (trace && HAS_STRACE && existsSync(traceFile)) {
    opened = [...readFileSync(traceFile, 'utf8').matchAll(/open(?:at2?)?\((?:[^,]*, )?"([^"]*)"/g)].map((m) => m[1]);
    rmSync(traceFile, { force: true });
  }
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', maxRssMiB, cpuSeconds, opened };
}

/** Writes `model.json` (with `topology` and `manifest`) into `dir` and returns its path. */
export function writeModelJson(dir: string, topology: unknown, manifest: unknown): string {
  mkdirSync(dir, { recursive: true });
  const p = join(dir, 'model.json');
  writeFileSync(p, JSON.stringify({ modelTopology: topology, format: 'layers-model', weightsManifest: manifest }));
  return p;
}

/** A Keras-format Sequential topology of Dense layers (`units` each) on `inputDim` inputs. */
export function denseTopology(inputDim: number, units: number[]): unknown {
  return {
    class_name: 'Sequential',
    config: {
      name: 'hostile',
      layers: units.map((u, i) => ({
        class_name: 'Dense',
        config: {
          name: `dense_${i}`, units: u, activation: 'linear', use_bias: true, trainable: true, dtype: 'float32',
          kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } },
          bias_initializer: { class_name: 'Zeros', config: {} },
          ...(i === 0 ? { batch_input_shape: [null, inputDim] } : {}),
        },
      })),
    },
  };
}

/** One Dense layer reference of a functional topology. */
function functionalDense(name: string, inbound: [string, number, number, object][][]): unknown {
  return {
    name, class_name: 'Dense', inbound_nodes: inbound,
    config: { name, units: 2, activation: 'linear', use_bias: true, kernel_initializer: { class_name: 'Zeros', config: {} }, bias_initializer: { class_name: 'Zeros', config: {} } },
  };
}

/** A functional topology input -> a -> b -> output where `a` reads from `aInput` (use 'b' for a cycle, 'a' for a self-loop). */
export function loopTopology(aInput: string): unknown {
  return {
    class_name: 'Model',
    config: {
      name: 'loop',
      layers: [
        { name: 'in', class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, 2], dtype: 'float32', sparse: false }, inbound_nodes: [] },
        functionalDense('a', [[[aInput, 0, 0, {}]]]),
        functionalDense('b', [[['a', 0, 0, {}]]]),
      ],
      input_layers: [['in', 0, 0]],
      output_layers: [['b', 0, 0]],
    },
  };
}
