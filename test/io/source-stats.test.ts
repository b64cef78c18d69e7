import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { makeColumn } from '../../src/data/column.js';
import { Relation } from '../../src/dsl/relation.js';
import { PlanError, SourceError } from '../../src/errors.js';
import { fromColumns, readCsv } from '../../src/index.js';
import { makeSource } from '../../src/io/columns.js';
import { makeNode, type RelationNode } from '../../src/plan/node.js';
import type { TableSource } from '../../src/plan/source.js';
import type { Column } from '../../src/data/column.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-stats-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const scan = (source: TableSource) => new Relation(makeNode('scan', { source, columns: null }, []) as RelationNode);

/**
 * A three-column source (a, b: int32; c fails to load) that records every column it
 * decodes; `async` makes `loadColumns` return a Promise, as the Parquet reader does.
 */
function recordingSource(async = false) {
  const loads: string[] = [];
  const column = (name: string): Column[] => {
    loads.push(name);
    if (name === 'c') throw new SourceError('recording', `column 'c': bad value`);
    return [makeColumn('int32', name === 'a' ? Int32Array.of(1, 2, 3) : Int32Array.of(7, 7, 8))];
  };
  const source = makeSource({
    prefix: 'test',
    name: 'recording',
    fields: ['a', 'b', 'c'].map((name) => ({ name, dtype: 'int32' as const, nullable: false })),
    batchLengths: [3],
    loadColumns: async ? async (names) => names.map(column) : (names) => names.map(column),
  });
  return { source, loads };
}

describe('source statistics', () => {
  it('explain works over a declared column that holds a bad value, when the plan does not read it', async () => {
    const path = join(dir, 'null-date.csv');
    writeFileSync(path, 'a,c\n1,2024-01-01\n2,\n3,2024-01-03\n');
    const pipeline = readCsv(path, { schema: { a: 'int32?', c: 'date' } })
      .filter((r) => r.a.gt(1))
      .select('a');
    expect(await pipeline.collectRows()).toEqual([{ a: 2 }, { a: 3 }]);
    expect(pipeline.explain()).toContain('Scan null-date.csv');
    expect(await pipeline.explain({ analyze: true })).toContain('Actual');
    // Reading the column reports it, with file, line and column.
    const reads = readCsv(path, { schema: { a: 'int32?', c: 'date' } }).filter((r) => r.c.isNotNull());
    expect(() => reads.explain()).not.toThrow();
    await expect(reads.collect()).rejects.toThrow(SourceError);
    await expect(reads.collect()).rejects.toThrow(/column 'c' is declared date \(not nullable\), but row 1 \(line 3\) is null/);
  });

  it('computes statistics per column on first access, and only decodes the columns asked for or read', async () => {
    const { source, loads } = recordingSource();
    expect(loads).toEqual([]);
    expect(source.stats.columns?.a).toEqual({ distinct: 3, min: 1, max: 3 });
    expect(loads).toEqual(['a']);
    // A column that fails to load has no statistics; its failure is for the plan that reads it.
    expect(source.stats.columns?.c).toBeUndefined();
    expect(source.stats.columns?.c).toBeUndefined();
    expect(loads).toEqual(['a', 'c']);

    const fresh = recordingSource();
    const pipeline = scan(fresh.source)
      .filter((r) => r.a.gt(1))
      .select('a');
    expect(pipeline.explain()).toContain('Filter');
    expect(fresh.loads).toEqual(['a']);
    expect(await pipeline.collectRows()).toEqual([{ a: 2 }, { a: 3 }]);
    expect(fresh.loads).toEqual(['a']); // converted once, kept for the run
    await expect(scan(fresh.source).select('c').collect()).rejects.toThrow(/column 'c': bad value/);
  });

  it('shares a load started by an asynchronous source with the plan that reads the column', async () => {
    const { source, loads } = recordingSource(true);
    // Not available without waiting: no statistics, and no further loads started for them.
    expect(source.stats.columns?.a).toBeUndefined();
    expect(source.stats.columns?.b).toBeUndefined();
    expect(source.stats.columns?.c).toBeUndefined();
    expect(loads).toEqual(['a']);
    const batches = await source.load(['a', 'b']);
    expect(loads).toEqual(['a', 'b']);
    expect(Array.from(batches[0].columns[0].values)).toEqual([1, 2, 3]);
    expect(Array.from(batches[0].columns[1].values)).toEqual([7, 7, 8]);
  });

  it('reports the failure of an asynchronous load started for statistics when the column is read', async () => {
    const { source } = recordingSource(true);
    expect(source.stats.columns?.c).toBeUndefined();
    await expect(source.load(['c'])).rejects.toThrow(SourceError);
  });
});

describe('declared column types', () => {
  it('reports an unknown type with the source and the column', () => {
    const bad = () => fromColumns({ x: [1] }, { name: 'points', types: { x: 'float' as never } });
    expect(bad).toThrow(PlanError);
    expect(bad).toThrow("points (types): column 'x': unknown column type 'float'; expected one of float64, float32, int32, int64, bool, string, date");
    expect(() => fromColumns({ x: [1] }, { types: { x: 3 as never } })).toThrow(/columns \(types\): column 'x': unknown column type 3 \(a number, not a string\)/);
  });

  it('raises a PlanError, not a TypeError, for an unknown type in a CSV schema', () => {
    const path = join(dir, 'typed.csv');
    writeFileSync(path, 'a\n1\n');
    expect(() => readCsv(path, { schema: { a: 'float' as never } })).toThrow(PlanError);
  });
});
