import { rmSync } from 'node:fs';

/** A temporary path registered with `withCleanupOnInterrupt`. */
export interface InterruptGuard {
  /** The path removed on interrupt. */
  readonly path: string;
  /** True once a SIGINT/SIGTERM/SIGHUP arrived while the guard was active (the path is gone then). */
  readonly interrupted: boolean;
  /** Throws an `Error('interrupted')` when `interrupted` is set: call it between steps. */
  throwIfInterrupted(): void;
}

const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
type Signal = (typeof SIGNALS)[number];

const active = new Set<{ path: string; interrupted: boolean }>();
const handlers = new Map<Signal, () => void>();

function uninstall(): void {
  for (const [signal, handler] of handlers) process.removeListener(signal, handler);
  handlers.clear();
}

/** Pause before the second removal: file system calls already in libuv's thread pool (a recursive mkdir, a write) may recreate a path just removed. */
const SETTLE_MS = 100;

/** Sleeps the main thread (no JavaScript runs, no new file system call starts; the thread pool finishes what it has). */
function settle(): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, SETTLE_MS);
}

function onSignal(signal: Signal): void {
  const paths = [...active].map((entry) => {
    entry.interrupted = true;
    return entry.path;
  });
  const removeAll = (): void => {
    for (const path of paths) {
      try { rmSync(path, { recursive: true, force: true }); } catch { /* best effort while exiting */ }
    }
  };
  removeAll();
  settle();
  removeAll();
  active.clear();
  uninstall();
  // nobody else handles this signal: die of it, as the process would have without us
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function install(): void {
  if (handlers.size > 0) return;
  for (const signal of SIGNALS) {
    const handler = (): void => onSignal(signal);
    handlers.set(signal, handler);
    process.on(signal, handler);
  }
}

/**
 * Runs `fn` while `path` (a temporary file or directory `fn` creates) is registered for
 * removal: if `fn` throws, `path` is removed and the error rethrown; if the process gets
 * SIGINT, SIGTERM or SIGHUP meanwhile, `path` is removed at once (twice, 0.1 s apart, as file
 * system calls already under way may recreate it) and the signal then does what it would
 * have done (with no other listener the process dies of it, exit status
 * 128 + signal; with other listeners, e.g. a CLI's own Ctrl-C handler, those decide, and
 * `guard.interrupted` turns true so that `fn` stops at its next `guard.throwIfInterrupted()`).
 * Signal listeners are installed only while some `fn` runs. Node-only.
 */
export async function withCleanupOnInterrupt<T>(path: string, fn: (guard: InterruptGuard) => Promise<T>): Promise<T> {
  const entry = { path, interrupted: false };
  const guard: InterruptGuard = {
    path,
    get interrupted() { return entry.interrupted; },
    throwIfInterrupted() { if (entry.interrupted) throw new Error(`interrupted: ${path} was removed`); },
  };
  active.add(entry);
  install();
  try {
    return await fn(guard);
  } catch (e) {
    rmSync(path, { recursive: true, force: true });
    throw e;
  } finally {
    active.delete(entry);
    if (active.size === 0) uninstall();
  }
}
