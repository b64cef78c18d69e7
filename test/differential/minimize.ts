/**
 * Shrinks a failing differential case while it still fails (the caller says what "still
 * fails" means, e.g. the same kind of problem): greedily,
 *   1. a subpipeline as the whole pipeline (smallest first), or one operator dropped (its
 *      parent reads the operator's input instead); a change the DSL rejects is skipped;
 *   2. rows of each scanned table dropped, halves first, then smaller runs, down to single rows;
 *   3. columns of each scanned table dropped (where nothing reads them).
 * Simple and bounded (`budget` runs of the case): the result is a repro to read, not a
 * minimum.
 */
import type { DiffCase } from './run.js';
import { Builder, type Q, type TableData, rebuild, subpipelines, tablesOf } from './pair.js';

export interface Minimized {
  readonly c: DiffCase;
  /** Runs of the case the minimizer made. */
  readonly tries: number;
}

const size = (q: Q) => subpipelines(q).length;

function withQ(c: DiffCase, q: Q): DiffCase {
  return { ...c, q, tables: tablesOf(q) };
}

/** `q` with every scan of `from` reading `to` instead. */
function swapTable(q: Q, from: TableData, to: TableData): Q {
  const b = new Builder();
  return rebuild(q, (n) => (n.table === from ? b.scan(to) : undefined));
}

/** `t` keeping the rows `keep` says (record batches keep their kept rows). */
function keepRows(t: TableData, keep: (i: number) => boolean): TableData {
  const rows = Array.from({ length: t.length }, (_, i) => i).filter(keep);
  let at = 0;
  const chunks = t.chunks.map((n) => {
    const kept = rows.filter((i) => i >= at && i < at + n).length;
    at += n;
    return kept;
  });
  return { ...t, columns: t.columns.map((col) => rows.map((i) => col[i])), length: rows.length, chunks };
}

function dropColumn(t: TableData, j: number): TableData {
  return {
    ...t,
    cols: t.cols.filter((_, k) => k !== j),
    columns: t.columns.filter((_, k) => k !== j),
    primaryKey: t.primaryKey?.includes(t.cols[j].name) ? undefined : t.primaryKey,
  };
}

export async function minimizeCase(c: DiffCase, fails: (c: DiffCase) => Promise<boolean>, budget = 300): Promise<Minimized> {
  let best = c;
  let tries = 0;
  /** Whether `make()` builds a case that still fails (a build error means no). */
  const attempt = async (make: () => Q): Promise<boolean> => {
    if (tries >= budget) return false;
    let q: Q;
    try {
      q = make();
    } catch {
      return false;
    }
    tries++;
    const candidate = withQ(best, q);
    if (await fails(candidate)) {
      best = candidate;
      return true;
    }
    return false;
  };

  // 1. Operators.
  for (let progress = true; progress && tries < budget; ) {
    progress = false;
    const q = best.q;
    const subs = subpipelines(q)
      .filter((n) => n !== q)
      .sort((a, b) => size(a) - size(b));
    for (const n of subs) {
      if ((progress = await attempt(() => n))) break;
    }
    if (progress) continue;
    for (const n of subpipelines(q)) {
      for (const input of n.step?.inputs ?? []) {
        if ((progress = await attempt(() => rebuild(q, (m) => (m === n ? input : undefined))))) break;
      }
      if (progress) break;
    }
  }

  // 2. Rows.
  for (const original of tablesOf(best.q)) {
    let t = original;
    for (let run = Math.ceil(t.length / 2); run >= 1 && tries < budget; run = run === 1 ? 0 : Math.ceil(run / 2)) {
      for (let start = 0; start < t.length && tries < budget; ) {
        const from = t;
        const smaller = keepRows(from, (i) => i < start || i >= start + run);
        if (await attempt(() => swapTable(best.q, from, smaller))) t = smaller;
        else start += run;
      }
    }
  }

  // 3. Columns.
  for (const original of tablesOf(best.q)) {
    let t = original;
    for (let j = t.cols.length - 1; j >= 0 && tries < budget; j--) {
      const from = t;
      const narrower = dropColumn(from, j);
      if (narrower.cols.length > 0 && (await attempt(() => swapTable(best.q, from, narrower)))) t = narrower;
    }
  }
  return { c: best, tries };
}
