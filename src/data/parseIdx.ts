import { LipkitError } from '../util/errors.js';

/** An IDX array (the MNIST file format): its dimensions and its unsigned bytes. */
export interface IdxArray {
  dims: number[];
  data: Uint8Array;
}

/**
 * Parses an IDX file of unsigned bytes (LeCun's MNIST format): magic `0x00 0x00 0x08 n`
 * (type ubyte, `n` dimensions), then `n` big-endian uint32 sizes, then the bytes. Images
 * (`idx3`) have a 16-byte header, labels (`idx1`) an 8-byte one. `expectedDims` (when given)
 * must equal `n`. Checks that the byte count matches the sizes exactly (a truncated or padded
 * file is an error). Errors are LipkitErrors naming `name` (e.g. the file path).
 */
export function parseIdx(bytes: Uint8Array, name: string, expectedDims?: number): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw new LipkitError(name, 'must be a Uint8Array');
  if (bytes.length < 4) throw new LipkitError(name, `is not an IDX file: ${bytes.length} bytes, shorter than the 4-byte magic number`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const magic = view.getUint32(0, false);
  if (bytes[0] !== 0 || bytes[1] !== 0) throw new LipkitError(name, `bad IDX magic number 0x${magic.toString(16).padStart(8, '0')} (must start with two zero bytes)`);
  if (bytes[2] !== 0x08) throw new LipkitError(name, `IDX data type 0x${bytes[2].toString(16)} is not unsigned byte (0x08)`);
  const n = bytes[3];
  if (n < 1) throw new LipkitError(name, 'IDX file with 0 dimensions');
  if (expectedDims !== undefined && n !== expectedDims) {
    throw new LipkitError(name, `bad IDX magic number 0x${magic.toString(16).padStart(8, '0')}: ${n} dimensions, expected ${expectedDims} (0x0000080${expectedDims})`);
  }
  const header = 4 + 4 * n;
  if (bytes.length < header) throw new LipkitError(name, `truncated IDX header: ${bytes.length} bytes, need ${header}`);
  const dims: number[] = [];
  let size = 1;
  for (let i = 0; i < n; i++) {
    const d = view.getUint32(4 + 4 * i, false);
    dims.push(d);
    size *= d;
  }
  if (bytes.length !== header + size) {
    throw new LipkitError(name, `IDX sizes [${dims.join(', ')}] need ${header + size} bytes, the file has ${bytes.length} (truncated or corrupt)`);
  }
  return { dims, data: bytes.subarray(header) };
}
