import { constants, promises as fs, type Stats } from 'node:fs';
import { LipkitError } from '../../util/errors.js';

/** What a non-regular file is, for error messages. */
function kind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function codeOf(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/** Where a file to read is and how to name it in errors. */
export interface RegularFileRef {
  /** The path opened. */
  path: string;
  /** The `LipkitError` argument (e.g. the model.json path given on the command line). */
  argument: string;
  /** How the file is named in messages, e.g. `model.json` or `weightsManifest[0].paths[0] ("w.bin")`. */
  label: string;
}

/** An open regular file and its size in bytes (from fstat of the open descriptor). */
export interface OpenRegularFile {
  handle: fs.FileHandle;
  size: number;
}

/**
 * Opens `ref.path` for reading only if it is a regular file: `stat` first (a FIFO, a device
 * such as /dev/zero, a directory or a socket is refused without being opened), then `open`
 * with O_NONBLOCK (so that a FIFO swapped in meanwhile cannot block) and `fstat` of the open
 * descriptor (regular file, same device and inode as stated). Errors are `LipkitError`s naming
 * `ref.argument`. The caller closes the handle.
 */
export async function openRegularFile(ref: RegularFileRef): Promise<OpenRegularFile> {
  const fail = (why: string): never => { throw new LipkitError(ref.argument, `${ref.label} ${why}`); };
  let before: Stats;
  try {
    before = await fs.stat(ref.path);
  } catch (e) {
    const code = codeOf(e);
    return fail(code === 'ENOENT' ? 'not found' : `cannot be read (${code})`);
  }
  if (!before.isFile()) fail(`is ${kind(before)}, not a regular file`);
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(ref.path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (e) {
    return fail(`cannot be opened (${codeOf(e)})`);
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) fail(`is ${kind(st)}, not a regular file`);
    if (st.ino !== before.ino || st.dev !== before.dev) fail('changed while being opened');
    return { handle, size: st.size };
  } catch (e) {
    await handle.close();
    throw e;
  }
}

/**
 * Reads exactly `length` bytes from the start of an open file into a new buffer (never more:
 * the caller has compared `length` with the file's size). A file that turns out shorter is a
 * `LipkitError` naming `ref.argument`.
 */
export async function readExactly(file: OpenRegularFile, length: number, ref: RegularFileRef): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  let offset = 0;
  while (offset < length) {
    let bytesRead: number;
    try {
      ({ bytesRead } = await file.handle.read(out, offset, Math.min(length - offset, 1 << 26), offset));
    } catch (e) {
      throw new LipkitError(ref.argument, `${ref.label} cannot be read (${codeOf(e)})`);
    }
    if (bytesRead === 0) throw new LipkitError(ref.argument, `${ref.label} shrank while being read`);
    offset += bytesRead;
  }
  return out;
}

/**
 * Reads a whole regular file of at most `maxBytes` bytes (`openRegularFile`, then the size
 * check, then `readExactly`).
 */
export async function readRegularFile(ref: RegularFileRef, maxBytes: number): Promise<Uint8Array> {
  const file = await openRegularFile(ref);
  try {
    if (file.size > maxBytes) throw new LipkitError(ref.argument, `${ref.label} holds ${file.size} bytes, more than the ${maxBytes} accepted`);
    return await readExactly(file, file.size, ref);
  } finally {
    await file.handle.close();
  }
}
