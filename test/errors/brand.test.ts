import { describe, expect, it } from 'vitest';
import { tsImport } from 'tsx/esm/api';
import { ExecutionError, PlanError, ShapeError, SourceError, TesseraError, UnknownColumnError } from '../../src/errors.js';
import { ShapeMismatchError } from '../../src/kernels/matrix/errors.js';

type ErrorsModule = typeof import('../../src/errors.js');

/** A second copy of errors.ts, loaded apart as `tessera explain` loads a pipeline module. */
async function otherCopy(): Promise<ErrorsModule> {
  const copy = (await tsImport(new URL('../../src/errors.ts', import.meta.url).href, import.meta.url)) as ErrorsModule;
  expect(copy.TesseraError).not.toBe(TesseraError);
  return copy;
}

describe('TesseraError brand', () => {
  it('makes instanceof TesseraError hold for errors of another copy of Tessera', async () => {
    const copy = await otherCopy();
    const e = new copy.SourceError('data.csv', "line 3, column 'c': cannot parse 'x' as date");
    expect(e instanceof TesseraError).toBe(true);
    expect(e.name).toBe('SourceError');
    expect(new copy.PlanError('lstsq', 'bad') instanceof TesseraError).toBe(true);
    // And the other way round.
    expect(new PlanError('lstsq', 'bad') instanceof copy.TesseraError).toBe(true);
  });

  it('keeps the ordinary meaning of instanceof for the subclasses', async () => {
    const copy = await otherCopy();
    const source = new SourceError('data.csv', 'bad');
    expect(source instanceof SourceError).toBe(true);
    expect(source instanceof TesseraError).toBe(true);
    expect(source instanceof Error).toBe(true);
    expect(source instanceof PlanError).toBe(false);
    expect(source instanceof ExecutionError).toBe(false);
    const unknown = new UnknownColumnError('select', 'x', ['a']);
    expect([unknown instanceof UnknownColumnError, unknown instanceof PlanError, unknown instanceof ShapeError]).toEqual([true, true, false]);
    expect(new ShapeMismatchError('m') instanceof TesseraError).toBe(true);
    // A subclass test is not answered by the brand: another copy's SourceError is not this SourceError.
    expect(new copy.SourceError('data.csv', 'bad') instanceof SourceError).toBe(false);
    expect(new copy.SourceError('data.csv', 'bad') instanceof PlanError).toBe(false);
  });

  it('is not fooled by plain errors and other values', () => {
    for (const v of [new Error('x'), new TypeError('x'), { name: 'SourceError', message: 'x' }, null, undefined, 'SourceError', 42]) {
      expect(v instanceof TesseraError).toBe(false);
    }
    const e = new SourceError('s', 'd');
    // The brand is not enumerable: errors print, spread and serialize as before.
    expect(Object.getOwnPropertyDescriptor(e, Symbol.for('tessera.error'))).toMatchObject({ value: true, enumerable: false });
    expect(Object.getOwnPropertySymbols({ ...e })).toEqual([]);
    expect(e.message).toBe('s: d');
  });
});
