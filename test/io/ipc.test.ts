import * as arrow from 'apache-arrow';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { columnToArray } from '../../src/data/column.js';
import { SourceError } from '../../src/errors.js';
import { batchesToArrow, ipcSource } from '../../src/io/index.js';

const dir = mkdtempSync(join(tmpdir(), 'tessera-ipc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const DAY = 86_400_000;
const table = new arrow.Table({
  x: arrow.vectorFromArray([1.5, null, 3.5, 4.5], new arrow.Float64()),
  n: arrow.vectorFromArray([1, 2, 3, 4], new arrow.Int32()),
  s: arrow.vectorFromArray(['a', 'b', null, 'a'], new arrow.Dictionary(new arrow.Utf8(), new arrow.Int32())),
  d: arrow.vectorFromArray([new Date(0), new Date(DAY), null, new Date(3 * DAY)], new arrow.DateDay()),
});
const twoBatches = table.concat(table.slice(1, 3));
const expected = {
  x: [1.5, null, 3.5, 4.5, null, 3.5],
  n: [1, 2, 3, 4, 2, 3],
  s: ['a', 'b', null, 'a', 'b', null],
  d: [new Date(0), new Date(DAY), null, new Date(3 * DAY), new Date(DAY), null],
};

describe('ipcSource', () => {
  for (const format of ['file', 'stream'] as const) {
    it(`reads the Arrow IPC ${format} format written by tableToIPC`, async () => {
      const path = join(dir, `t.${format === 'file' ? 'arrow' : 'arrows'}`);
      writeFileSync(path, arrow.tableToIPC(twoBatches, format));
      const source = ipcSource(path, { primaryKey: ['n'] });
      expect(source.name).toBe(format === 'file' ? 't.arrow' : 't.arrows');
      expect(source.stats.rowCount).toBe(6);
      expect(source.schema.fields.map((f) => [f.name, f.dtype])).toEqual([
        ['x', 'float64'],
        ['n', 'int32'],
        ['s', 'string'],
        ['d', 'date'],
      ]);
      const batches = await source.load(['x', 'n', 's', 'd']);
      expect(batches.map((b) => b.length)).toEqual([4, 2]);
      const got = Object.fromEntries(['x', 'n', 's', 'd'].map((c, i) => [c, batches.flatMap((b) => columnToArray(b.columns[i]))]));
      expect(got).toEqual(expected);
      // and back out again, through IPC, to the same values
      const back = arrow.tableFromIPC(arrow.tableToIPC(batchesToArrow(source.schema, batches), format));
      const values = (name: string) => Array.from({ length: back.numRows }, (_, i) => back.getChild(name)!.get(i));
      expect(values('s')).toEqual(expected.s);
      expect(values('x')).toEqual(expected.x);
      expect(back.getChild('x')!.nullCount).toBe(2);
    });
  }

  it('rejects files that are not Arrow, and empty files', () => {
    const csv = join(dir, 'data.csv');
    writeFileSync(csv, 'a,b\n1,2\n');
    expect(() => ipcSource(csv)).toThrow(SourceError);
    expect(() => ipcSource(csv)).toThrow(/data\.csv: not an Arrow IPC\/Feather file/);
    const empty = join(dir, 'empty.arrow');
    writeFileSync(empty, '');
    expect(() => ipcSource(empty)).toThrow(/empty\.arrow: not an Arrow IPC\/Feather file \(the file is empty\)/);
    const truncated = join(dir, 'truncated.arrow');
    writeFileSync(truncated, arrow.tableToIPC(table, 'file').subarray(0, 40));
    expect(() => ipcSource(truncated)).toThrow(/truncated\.arrow: not a valid Arrow IPC\/Feather file/);
  });
});
