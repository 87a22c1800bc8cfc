import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { LipkitError } from '../../util/errors.js';

/** True when `p` is strictly inside the directory `root` (both absolute and normalized). */
export function isInside(root: string, p: string): boolean {
  const rel = path.relative(root, p);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** True when some component of `rel` below `root` is a symbolic link (checked up to the first missing one). */
async function passesThroughLink(root: string, rel: string): Promise<boolean> {
  let prefix = root;
  for (const part of rel.split(path.sep)) {
    prefix = path.join(prefix, part);
    try {
      if ((await fs.lstat(prefix)).isSymbolicLink()) return true;
    } catch {
      return false;
    }
  }
  return false;
}

/**
 * Resolves the relative file path `p` (from a model's weights manifest) against `root`, the
 * real path (no symbolic links) of model.json's folder, and returns the file's real path,
 * which is inside `root`. Refused with a `LipkitError(argument)`, before anything outside is
 * opened: an absolute path, a path whose `..` leads out of `root`, and a path that (after its
 * symbolic links) ends outside `root`. The message never says whether or what exists outside.
 */
export async function resolveInside(root: string, p: string, argument: string, label: string): Promise<string> {
  if (path.isAbsolute(p)) throw new LipkitError(argument, `${label} is an absolute path; weight files must be named relative to model.json's folder`);
  const candidate = path.resolve(root, p);
  if (!isInside(root, candidate)) throw new LipkitError(argument, `${label} leads outside the model's folder ${root}; lipkit reads weights only from inside it`);
  const outside = new LipkitError(argument, `${label} is a symbolic link that does not lead to a file inside the model's folder ${root}; lipkit reads weights only from inside it`);
  let real: string;
  try {
    real = await fs.realpath(candidate);
  } catch (e) {
    if (await passesThroughLink(root, path.relative(root, candidate))) throw outside;
    const code = (e as NodeJS.ErrnoException).code;
    throw new LipkitError(argument, `${label} ${code === 'ENOENT' ? 'not found' : `cannot be resolved (${code})`} in the model's folder ${root}`);
  }
  if (!isInside(root, real)) throw outside;
  return real;
}
