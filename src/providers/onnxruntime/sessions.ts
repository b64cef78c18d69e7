/**
 * The session cache: one ONNX Runtime session per program fingerprint (shapes are
 * symbolic, so a session serves every size), least recently used first out. The
 * compile promise is what is cached, so concurrent runs of one program compile it
 * once.
 *
 * Sessions allocate from ONNX Runtime's CPU arena, which keeps what a session's
 * largest run needed (regions growing in powers of two) until the session is released.
 * So the cache is bounded twice: by count, and by an estimate of the bytes its
 * sessions' arenas hold; past either, the least recently used sessions are released,
 * the one just used last (a run larger than the budget releases its own session when
 * it ends). A session leaves the cache at once but is released only when no run that
 * started on it is still going, so eviction never pulls a session from under a run.
 */
import type * as Ort from 'onnxruntime-node';
import type { CompiledModel } from './model.js';

export interface CompiledSession {
  readonly session: Ort.InferenceSession;
  readonly model: CompiledModel;
}

interface Entry {
  readonly compiled: Promise<CompiledSession>;
  /** Arena bytes its largest run may leave held. */
  bytes: number;
  /** Runs holding the session. */
  active: number;
  /** Out of the cache: release the session when the last run lets go. */
  evicted: boolean;
}

async function release(entry: Entry): Promise<void> {
  try {
    await (await entry.compiled).session.release();
  } catch {
    // a failed compile holds no session; a failed release leaves nothing we can free
  }
}

export class SessionCache {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly capacity: number,
    private readonly budgetBytes: number,
  ) {}

  /**
   * Runs `use` on the session of `key`, compiling it with `compile` on a miss (`compiled`
   * tells `use` whether this call started the compile); `bytes` is what this run may
   * leave in the session's arena.
   */
  async with<T>(
    key: string,
    compile: () => Promise<CompiledSession>,
    bytes: (s: CompiledSession) => number,
    use: (s: CompiledSession, compiled: boolean) => Promise<T>,
  ): Promise<T> {
    let entry = this.entries.get(key);
    const compiled = entry === undefined;
    if (entry === undefined) entry = { compiled: compile(), bytes: 0, active: 0, evicted: false };
    else this.entries.delete(key); // re-inserted below: the Map's order is recency
    this.entries.set(key, entry);
    entry.active++;
    try {
      let session: CompiledSession;
      try {
        session = await entry.compiled;
      } catch (e) {
        if (this.entries.get(key) === entry) this.entries.delete(key); // the next run tries again
        throw e;
      }
      entry.bytes = Math.max(entry.bytes, bytes(session));
      void this.evict(false);
      return await use(session, compiled);
    } finally {
      entry.active--;
      if (entry.evicted && entry.active === 0) await release(entry);
    }
  }

  /** Releases every session (those in use once their runs end). */
  async clear(): Promise<void> {
    await this.evict(true);
  }

  /** Evicts least recently used sessions while over count or budget (every one when `all`). */
  private async evict(all: boolean): Promise<void> {
    let total = 0;
    for (const e of this.entries.values()) total += e.bytes;
    const out: Promise<void>[] = [];
    for (const [key, entry] of this.entries) {
      if (!all && this.entries.size <= this.capacity && total <= this.budgetBytes) break;
      this.entries.delete(key);
      total -= entry.bytes;
      entry.evicted = true;
      if (entry.active === 0) out.push(release(entry));
    }
    await Promise.all(out);
  }
}
