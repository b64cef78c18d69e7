import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cellValue } from '../data/column.js';
import { SourceError } from '../errors.js';
import { encodeDigest } from '../plan/digest.js';
import { type PlanNode, childPlans, operatorDef } from '../plan/node.js';
import type { TableSource } from '../plan/source.js';
import { postOrderOf } from '../plan/walk.js';
import { providerStatuses } from '../providers/registry.js';
import { literalId } from './literal.js';

/**
 * Where a fitted pipeline came from: its training plan, the data it read, the software
 * that fitted it and what the fit computed. Stored in the artefact; `tessera inspect`
 * prints it and `tessera diff` compares two.
 */
export interface Lineage {
  /** SHA-256 of the training plan's structure (stablePlanDigest): equal plans, equal digests, in any process. */
  readonly planDigest: string;
  /** The same for the served plan, frozen constants included. */
  readonly fittedPlanDigest: string;
  readonly sources: readonly SourceFingerprint[];
  /** Rows that reached the encoders while fitting (after the pipeline's filters). */
  readonly trainingRows: number | null;
  readonly tessera: string;
  readonly node: string;
  readonly providers: readonly { readonly name: string; readonly available: boolean; readonly version?: string }[];
  /** ISO time the fit finished, and how long it took. */
  readonly fittedAt: string;
  readonly fitSeconds: number;
  /** Values the pipeline computed while fitting (fit's `metrics` option), by name. */
  readonly metrics: Readonly<Record<string, number>>;
}

export interface SourceFingerprint {
  readonly name: string;
  readonly kind: 'file' | 'memory';
  readonly path?: string;
  /**
   * content-sha256: every byte of the file; columns-sha256: every value of every column
   * (in-memory data); size-mtime-sampled-sha256: a file over `largeFileBytes`, by its size,
   * modification time and SAMPLE_COUNT evenly spaced blocks of SAMPLE_BYTES (a change
   * outside the blocks that keeps size and time is not seen).
   */
  readonly method: 'content-sha256' | 'columns-sha256' | 'size-mtime-sampled-sha256';
  readonly sha256: string;
  readonly rows?: number;
  readonly columns: readonly string[];
  readonly sizeBytes?: number;
  readonly mtimeMs?: number;
}

/** Files larger than this are fingerprinted by size, time and samples rather than read whole. */
export const LARGE_FILE_BYTES = 64 * 1024 * 1024;
const SAMPLE_COUNT = 32;
const SAMPLE_BYTES = 64 * 1024;

/** A file's fingerprint: whole-content SHA-256 up to `largeFileBytes`, else size, mtime and sampled blocks. */
export function fingerprintFile(path: string, options: { largeFileBytes?: number } = {}): Pick<SourceFingerprint, 'method' | 'sha256' | 'sizeBytes' | 'mtimeMs'> {
  const large = options.largeFileBytes ?? LARGE_FILE_BYTES;
  let stat;
  try {
    stat = statSync(path);
  } catch (e) {
    throw new SourceError(path, `cannot fingerprint the file (${(e as Error).message})`);
  }
  const size = stat.size;
  if (size <= large) return { method: 'content-sha256', sha256: createHash('sha256').update(readFileSync(path)).digest('hex'), sizeBytes: size, mtimeMs: stat.mtimeMs };
  const h = createHash('sha256');
  h.update(`${size}:${stat.mtimeMs}:`);
  const block = Buffer.alloc(SAMPLE_BYTES);
  const fd = openSync(path, 'r');
  try {
    for (let s = 0; s < SAMPLE_COUNT; s++) {
      const at = Math.floor(((size - SAMPLE_BYTES) * s) / (SAMPLE_COUNT - 1));
      const n = readSync(fd, block, 0, SAMPLE_BYTES, Math.max(0, at));
      h.update(block.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return { method: 'size-mtime-sampled-sha256', sha256: h.digest('hex'), sizeBytes: size, mtimeMs: stat.mtimeMs };
}

/** In-memory data: SHA-256 over every column's name, type and values (strings by their text, not their dictionary codes). */
async function fingerprintColumns(source: TableSource): Promise<string> {
  const names = source.schema.fields.map((f) => f.name);
  const batches = await source.load(names);
  const h = createHash('sha256');
  source.schema.fields.forEach((f, c) => {
    h.update(`${JSON.stringify(f.name)}:${f.dtype}:`);
    for (const b of batches) {
      const col = b.columns[c];
      if (col.dtype === 'string') {
        for (let i = 0; i < col.length; i++) {
          const v = cellValue(col, i);
          h.update(v === null ? '\u0000N' : `\u0000S${v as string}`);
        }
      } else {
        h.update(new Uint8Array(col.values.buffer, col.values.byteOffset, col.values.byteLength));
        // Validity as one byte per row (1 valid), so a null and a stored 0 differ.
        h.update(col.validity ?? new Uint8Array(col.length).fill(1));
      }
    }
  });
  return h.digest('hex');
}

export async function fingerprintSource(source: TableSource, options: { largeFileBytes?: number } = {}): Promise<SourceFingerprint> {
  const columns = source.schema.fields.map((f) => f.name);
  const rows = source.stats.rowCount;
  const base = { name: source.name, columns, ...(rows !== undefined ? { rows } : {}) };
  if (source.file !== undefined) return { ...base, kind: 'file', path: source.file, ...fingerprintFile(source.file, options) };
  return { ...base, kind: 'memory', method: 'columns-sha256', sha256: await fingerprintColumns(source) };
}

/**
 * SHA-256 of a plan's structure that does not depend on the process: sources by their
 * position in `sources`, matrix literals by their content, loops by the order they are
 * met (planDigest uses ids that count up per process). Each node hashes its kind, its
 * digest arguments and its inputs' hashes.
 */
export function stablePlanDigest(root: PlanNode, sources: readonly TableSource[]): string {
  const loopIds = new Map<string, string>();
  const loopKey = (id: string) => {
    let k = loopIds.get(id);
    if (!k) loopIds.set(id, (k = `loop${loopIds.size}`));
    return k;
  };
  const hashes = new Map<PlanNode, string>();
  for (const n of postOrderOf(root, childPlans)) {
    let args: string;
    switch (n.kind) {
      case 'scan':
        args = encodeDigest([`source${sources.findIndex((s) => s.id === n.args.source.id)}`, n.args.columns]);
        break;
      case 'matrixLiteral':
        args = encodeDigest([literalId(n.args.value)]);
        break;
      case 'loop':
        args = encodeDigest([loopKey(n.args.loopId), n.args.iterations, hashes.get(n.args.body)!, n.args.guard ? { ...n.args.guard } : null]);
        break;
      case 'loopState':
      case 'loopInput':
      case 'loopLoss':
        args = encodeDigest([loopKey(n.args.loopId), ...operatorDef(n.kind).digest(n.args as never).slice(1)]);
        break;
      default:
        args = encodeDigest([...operatorDef(n.kind).digest(n.args as never)]);
    }
    hashes.set(n, createHash('sha256').update(`${n.kind}(${args})[${n.inputs.map((c) => hashes.get(c)).join(',')}]`).digest('hex'));
  }
  return hashes.get(root)!;
}

let packageVersion: string | undefined;
/** Tessera's version, from its package.json (two levels above this module, in src/ and in dist/). */
export function tesseraVersion(): string {
  if (packageVersion === undefined) {
    try {
      const pkg = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'), 'utf8')) as { version?: string };
      packageVersion = pkg.version ?? 'unknown';
    } catch {
      packageVersion = 'unknown';
    }
  }
  return packageVersion;
}

export function providerVersions(): Lineage['providers'] {
  return providerStatuses().map((s) => ({ name: s.name, available: s.available, ...(s.version !== undefined ? { version: s.version } : {}) }));
}
