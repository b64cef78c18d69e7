/**
 * Seeded random generation of input tables and of pipelines, each built as a Tessera
 * relation and as DuckDB SQL from the same random choices (through ./pair.ts).
 *
 * Families (one generator each): filter/project, join, aggregate, sort/limit/distinct/union,
 * mixed pipelines of 3-5 operators, and functions (the scalar functions, deviations, outer
 * joins and UNION in every case). Everything depends on the seed only.
 *
 * Expressions include the scalar functions (isIn with nulls in the list, LIKE with and
 * without an escape character, starts/ends with, contains, date parts), and aggregates
 * the deviations (sample and population); joins are inner, left, right, full, semi and
 * anti; unions are UNION ALL and UNION (distinct).
 *
 * Expressions include casts (numbers, strings and bools to int32/int64/float64 and bool,
 * numbers, bools and dates to strings, strings to dates) and comparisons of values that
 * may be NaN (0/0): no construct is steered around. The one restriction, `small`, keeps
 * int64 arithmetic on values that stay exact in DuckDB (see Gen.bigCols), and sums and
 * means stay off values near ±2^53 (Gen.hugeCols).
 *
 * Tables hold nulls (some columns all null), int32 values at the ends of the range, int64
 * ones at ±2^53 and ±2^31 (LONGS), -0, strings beyond the BMP ('😀') and strings CSV must
 * quote, and may be empty; join sides may have a unique key, declared as the primary key
 * now and then; Tessera reads a table from plain columns, an Arrow table in record
 * batches, or a CSV, Parquet or Arrow IPC file written from it (see ./run.ts).
 *
 * The fuzz command (bench/fuzz.ts, test/fuzz/runner.ts) draws every family through genAny.
 */
import type { DType } from '../../src/index.js';
import type { DiffCase } from './run.js';
import { type DatePart, F, type ListValue, type StringTest } from './pair-functions.js';
import {
  A,
  type ArithOp,
  Builder,
  type Cell,
  type CmpOp,
  type ColDef,
  type GA,
  type GE,
  type JoinKind,
  type JsOperand,
  type Q,
  type SortKeySpec,
  type TableData,
  X,
  dtypeOf,
  fieldsOf,
  ident,
  isFileFormat,
  isNum,
  namesOf,
} from './pair.js';

// ---------------------------------------------------------------- random numbers

/** mulberry32: small, fast, and good enough for test generation. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    // murmur3's finalizer, so that consecutive seeds start far apart; then a few warm-up draws.
    let h = (seed ^ 0x5bd1e995) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
    this.s = (h ^ (h >>> 16)) >>> 0;
    for (let i = 0; i < 4; i++) this.next();
  }
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [lo, hi]. */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)];
  }
  weighted<T>(entries: readonly (readonly [number, T])[]): T {
    const total = entries.reduce((s, [w]) => s + w, 0);
    let x = this.next() * total;
    for (const [w, v] of entries) {
      if ((x -= w) < 0) return v;
    }
    return entries[entries.length - 1][1];
  }
  shuffle<T>(items: readonly T[]): T[] {
    const a = [...items];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j], a[i]];
    }
    return a;
  }
  /** A random subset (each kept with probability p), in random order. */
  subset<T>(items: readonly T[], p: number): T[] {
    return this.shuffle(items.filter(() => this.bool(p)));
  }
}

// ---------------------------------------------------------------- tables

/**
 * Strings: ASCII letters, an upper-case letter, the empty string, non-ASCII ones (one
 * above U+FFFF: a surrogate pair in JavaScript, 4 bytes in UTF-8, so that UTF-16 and
 * code-point order differ from 'ｚ' U+FF5A), text CSV must quote, and numeric or boolean
 * text (for casts).
 */
export const ALPHABET = ['a', 'b', 'c', 'ab', 'B', '', 'é', '1', '2.5', '-3', 'true', 'x y', '0', 'f', '2024-01-15', '2024-02-30', '1999-12-31', '😀', 'a😀', 'ｚ', 'q,"r"'] as const;

/** int64 values at the edges: ±2^53 (the ends of Tessera's exact int64 range), ±2^31 (beyond int32), and small ones. */
export const LONGS = [2 ** 53, -(2 ** 53), 2 ** 53 - 1, 2 ** 31, -(2 ** 31), 2 ** 31 - 1, -(2 ** 31) - 1, 0, 1, -1, 7, -12] as const;
/** int32 values at the ends of its range (for columns marked big: no arithmetic on them). */
const INT32_EDGES = [-(2 ** 31), 2 ** 31 - 1, -(2 ** 31) + 1, 0, 1, -1, 5] as const;

/** Dates (days since 1970-01-01): around 2024-01-01, plus a few far ones. */
const DATE_BASE = 19_723;
function randomDay(r: Rng): number {
  return r.bool(0.9) ? DATE_BASE + r.int(-20, 40) : r.pick([-1, 0, 10_957, -36_524]);
}

/** Key values shared by the tables of one case, so that joins find matches. */
interface KeyDomain {
  readonly ints: readonly number[];
  readonly strings: readonly string[];
  /** Key values beyond the small range that arithmetic may use without overflow. */
  readonly sparse: boolean;
}

interface TableOptions {
  readonly keys: boolean;
  /**
   * Unique non-null values in these key columns (a dimension table): k1, k2, or the pair;
   * a primary key declared over them now and then.
   */
  readonly unique?: 'k1' | 'k2' | 'k1k2';
  readonly size?: number;
  /** Column definitions to reuse (a twin table for union): same names and types, new data. */
  readonly like?: TableData;
}

const NULL_RATES = [0, 0, 0, 0, 0.1, 0.1, 0.25, 0.5] as const;
/** Probability that a column is entirely null. */
const ALL_NULL = 0.04;

export class Gen {
  readonly rng: Rng;
  readonly b = new Builder();
  readonly tables: TableData[] = [];
  /** Columns whose values may be beyond the range where int64 arithmetic is safe in DuckDB. */
  readonly bigCols = new Set<string>();
  /**
   * Columns (all in bigCols) whose values may reach ±2^53: no sum or mean over them, as
   * Tessera refuses an integer sum beyond ±2^53 (OverflowError, by design) where DuckDB
   * sums in HUGEINT.
   */
  readonly hugeCols = new Set<string>();
  /**
   * Columns computed through a division (or from such a column) whose values may be
   * ±Infinity or NaN: no deviation over them, as DuckDB refuses the deviation of a
   * non-finite value ("STDDEV_SAMP is out of range") where Tessera gives NaN.
   */
  readonly nonFiniteCols = new Set<string>();
  private names = 0;
  private domain: KeyDomain | null = null;

  constructor(
    readonly family: string,
    readonly seed: number,
  ) {
    this.rng = new Rng(seed);
  }

  fresh(prefix: string): string {
    return `${prefix}${this.names++}`;
  }

  keyDomain(): KeyDomain {
    if (this.domain) return this.domain;
    const r = this.rng;
    const mode = r.weighted([
      [5, 'dense'],
      [2, 'negative'],
      [2, 'sparse'],
    ] as const);
    const size = r.int(1, 14);
    let ints: number[];
    if (mode === 'dense') ints = Array.from({ length: size }, (_, i) => i);
    else if (mode === 'negative') ints = Array.from({ length: 2 * size + 1 }, (_, i) => i - size);
    else ints = Array.from({ length: size }, () => r.int(-2_000_000_000, 2_000_000_000));
    const strings = r.subset(ALPHABET, 0.5);
    if (strings.length === 0) strings.push('a');
    this.domain = { ints, strings, sparse: mode === 'sparse' };
    return this.domain;
  }

  private size(): number {
    const r = this.rng;
    return r.weighted([
      [4, () => 0],
      [4, () => 1],
      [32, () => r.int(2, 12)],
      [28, () => r.int(13, 60)],
      [30, () => r.int(150, 250)],
    ] as const)();
  }

  private values(n: number, rate: number, pool: () => Cell): Cell[] {
    return Array.from({ length: n }, () => (rate > 0 && this.rng.bool(rate) ? null : pool()));
  }

  /** A table named `name` whose columns are prefixed `prefix_` (keys k1, k2 shared across tables). */
  table(name: string, prefix: string, opts: TableOptions): TableData {
    const r = this.rng;
    const dom = this.keyDomain();
    const n = opts.size ?? this.size();
    let defs: ColDef[];
    const format = opts.like
      ? opts.like.format
      : r.weighted([
          [62, 'columns'],
          [26, 'arrow'],
          [4, 'csv'],
          [4, 'parquet'],
          [4, 'ipc'],
        ] as const);
    if (opts.like) defs = [...opts.like.cols];
    else {
      const nullable = (rate: number) => rate > 0 || r.bool(0.2);
      const mk = (colName: string, dtype: ColDef['dtype']): ColDef & { rate: number } => {
        const rate = r.bool(ALL_NULL) ? 1 : r.pick(NULL_RATES);
        return { name: colName, dtype, nullable: nullable(rate), rate };
      };
      const list: (ColDef & { rate: number })[] = [];
      if (opts.keys) list.push(mk('k1', 'int32'), mk('k2', 'string'));
      list.push(mk(`${prefix}_i`, 'int32'), mk(`${prefix}_f`, 'float64'), mk(`${prefix}_s`, 'string'), mk(`${prefix}_b`, 'bool'));
      if (r.bool(0.4)) list.push({ name: `${prefix}_j`, dtype: 'int32', nullable: false, rate: 0 });
      if (r.bool(0.35)) list.push(mk(`${prefix}_d`, 'date'));
      if (r.bool(0.3)) list.push(mk(`${prefix}_l`, 'int64'));
      defs = r.shuffle(list);
    }
    // A file's columns are all nullable (DuckDB writes every Parquet column OPTIONAL).
    if (isFileFormat(format)) defs = defs.map((d) => ({ ...d, nullable: true }));
    if (opts.unique) {
      // Key columns of a unique key hold no null.
      const keyNames = opts.unique === 'k1k2' ? ['k1', 'k2'] : [opts.unique];
      defs = defs.map((d) => (keyNames.includes(d.name) && !isFileFormat(format) ? { ...d, nullable: false, rate: 0 } : d));
    }
    // Per table: a sub-pool of the shared key values (so two sides overlap partly).
    const intPool = r.subset(dom.ints, r.pick([0.5, 0.8, 1]));
    if (intPool.length === 0) intPool.push(dom.ints[0]);
    const strPool = r.subset(dom.strings, r.pick([0.5, 0.8, 1]));
    if (strPool.length === 0) strPool.push(dom.strings[0]);
    const smallInts = r.pick([3, 6, 20]);
    const quarterRange = r.pick([8, 40]);
    const alphabet = r.subset(ALPHABET, r.pick([0.3, 0.6, 1]));
    if (alphabet.length === 0) alphabet.push('b');
    const longPool = r.subset(LONGS, r.pick([0.5, 1]));
    if (longPool.length === 0) longPool.push(LONGS[0]);
    // Now and then an int32 column at the ends of its range, and floats with -0.
    const edgeInts = r.bool(0.08);
    const negZero = r.bool(0.25);
    // A unique key: distinct values of the key domain (pairs of them for k1k2), as many as rows.
    let uniqueRows: [number, string][] | null = null;
    if (opts.unique) {
      const pairs =
        opts.unique === 'k1'
          ? dom.ints.map((i) => [i, r.pick(strPool)] as [number, string])
          : opts.unique === 'k2'
            ? dom.strings.map((s) => [r.pick(intPool), s] as [number, string])
            : dom.ints.flatMap((i) => dom.strings.map((s) => [i, s] as [number, string]));
      uniqueRows = r.shuffle(pairs).slice(0, n);
    }
    const rows = uniqueRows ? uniqueRows.length : n;
    const columns = defs.map((def): Cell[] => {
      const rate = (def as { rate?: number }).rate ?? (def.nullable ? r.pick(NULL_RATES) : 0);
      const effective = def.nullable ? rate : 0;
      if (uniqueRows && def.name === 'k1' && opts.unique !== 'k2') return uniqueRows.map(([i]) => i);
      if (uniqueRows && def.name === 'k2' && opts.unique !== 'k1') return uniqueRows.map(([, s]) => s);
      if (def.name === 'k1') return this.values(rows, effective, () => r.pick(intPool));
      if (def.name === 'k2') return this.values(rows, effective, () => r.pick(strPool));
      switch (def.dtype) {
        case 'int32':
          if (edgeInts && def.name.endsWith('_i')) return this.values(rows, effective, () => r.pick(INT32_EDGES));
          return this.values(rows, effective, () => r.int(-smallInts, smallInts));
        case 'int64':
          return this.values(rows, effective, () => r.pick(longPool));
        case 'float64':
          return this.values(rows, effective, () => {
            const v = r.int(-quarterRange, quarterRange) / 4;
            return v === 0 && negZero && r.bool() ? -0 : v;
          });
        case 'string':
          return this.values(rows, effective, () => r.pick(alphabet));
        case 'bool':
          return this.values(rows, effective, () => r.bool());
        case 'date':
          return this.values(rows, effective, () => randomDay(r));
      }
    });
    if (dom.sparse && defs.some((d) => d.name === 'k1')) this.bigCols.add('k1');
    for (const d of defs) {
      if (d.dtype === 'int64') {
        this.bigCols.add(d.name);
        this.hugeCols.add(d.name);
      }
      if (edgeInts && d.name === `${prefix}_i`) this.bigCols.add(d.name);
    }
    const chunks: number[] = [];
    if (format === 'arrow' || format === 'ipc') {
      let left = rows;
      const parts = r.int(1, 4);
      for (let p = 0; p < parts - 1; p++) {
        const c = r.int(0, left);
        chunks.push(c);
        left -= c;
      }
      chunks.push(left);
    }
    const t: TableData = {
      name,
      sqlName: `d_${this.family}_${this.seed}_${name}`,
      cols: defs.map(({ name: cn, dtype, nullable }) => ({ name: cn, dtype, nullable })),
      columns,
      length: rows,
      format,
      chunks,
      stringEncoding: r.bool() ? 'utf8' : 'dictionary',
      typedArrays: r.bool(0.7),
      primaryKey: opts.unique && r.bool(0.7) ? (opts.unique === 'k1k2' ? ['k1', 'k2'] : [opts.unique]) : undefined,
    };
    this.tables.push(t);
    return t;
  }

  done(q: Q, file: string): DiffCase {
    return { family: this.family, seed: this.seed, tables: this.tables, q, file };
  }

  exprs(q: Q): ExprGen {
    return new ExprGen(this, q);
  }
}

// ---------------------------------------------------------------- expressions

const INT_OPERANDS = [0, 1, 2, -1, 3, 7, -4] as const;
/** LIKE patterns over ALPHABET's strings, with their escape character (undefined: none, as DuckDB's default). */
const LIKE_PATTERNS: readonly (readonly [string, string?])[] = [
  ['%'], ['_'], ['a%'], ['%a'], ['%b%'], ['a_'], ['_😀'], ['%😀'], ['__'], [''], ['ab'], ['é%'], ['x_y'], ['%.%'], ['q,%'], ['%"%'], ['1%'], ['%-%'],
  ['2024-0_-%'], ['%\\%'], ['_%_'], ['%ｚ'],
  ['a!%', '!'], ['!_%', '!'], ['%!!%', '!'], ['2!.5', '!'], ['%r!"', '!'], ['!a%', '!'],
];
/** Substrings for startsWith / endsWith / contains. */
const PARTS = ['', 'a', 'b', 'ab', '😀', 'é', '2', '-', '"', ' ', 'true', '2024-'] as const;
const FLOAT_OPERANDS = [0.5, -1.25, 2.75, 0.25] as const;

export class ExprGen {
  private readonly rng: Rng;
  constructor(
    private readonly g: Gen,
    private readonly q: Q,
  ) {
    this.rng = g.rng;
  }

  private fields(pred: (d: DType) => boolean, opts: { small?: boolean } = {}) {
    return fieldsOf(this.q).filter((f) => pred(f.dtype) && !(opts.small && this.g.bigCols.has(f.name)));
  }

  private column(pred: (d: DType) => boolean, opts: { small?: boolean } = {}): GE | null {
    const fs = this.fields(pred, opts);
    return fs.length === 0 ? null : X.col(this.q, this.rng.pick(fs).name);
  }

  private jsNumber(): JsOperand {
    const r = this.rng;
    return r.weighted<() => JsOperand>([
      [6, () => r.pick(INT_OPERANDS)],
      [3, () => r.pick(FLOAT_OPERANDS)],
      [0.5, () => null],
    ])();
  }

  numLiteral(): GE {
    const r = this.rng;
    return r.weighted([
      [4, () => X.lit(r.pick(INT_OPERANDS), 'int32')],
      [1, () => X.lit(r.int(-9, 9), 'int64')],
      [3, () => X.lit(r.int(-20, 20) / 4, 'float64')],
      [1, () => X.lit(null, r.pick(['int32', 'float64'] as const))],
    ] as const)();
  }

  /** A numeric expression. `small`: only columns whose values keep int64 arithmetic exact (inside arithmetic). */
  num(depth: number, small = false): GE {
    const r = this.rng;
    if (depth <= 0 || r.bool(0.3)) {
      const c = r.bool(0.75) ? this.column(isNum, { small }) : null;
      return c ?? this.numLiteral();
    }
    const hasDates = this.fields((d) => d === 'date').length > 0;
    const kind = r.weighted([
      [40, 'arith'],
      [8, 'unary'],
      [12, 'coalesce'],
      [12, 'case'],
      [12, 'cast'],
      [hasDates ? 8 : 0, 'datePart'],
    ] as const);
    switch (kind) {
      case 'datePart':
        return this.datePart(depth - 1);
      case 'arith': {
        const op = r.pick<ArithOp>(['add', 'sub', 'mul', 'div', 'mod']);
        const a = this.num(depth - 1, true);
        const b = r.bool(0.55) ? this.num(depth - 1, true) : this.jsNumber();
        return X.arith(op, a, b);
      }
      case 'unary': {
        const a = this.num(depth - 1, true);
        return r.bool() ? X.neg(a) : X.abs(a);
      }
      case 'coalesce': {
        const a = this.num(depth - 1, small);
        const others = Array.from({ length: r.int(1, 2) }, () => (r.bool(0.6) ? this.num(depth - 1, small) : this.jsNumber()));
        return X.coalesce(a, ...others);
      }
      case 'case': {
        const branches = Array.from({ length: r.int(1, 2) }, () => [this.bool(depth - 1), r.bool(0.7) ? this.num(depth - 1, small) : (r.pick(INT_OPERANDS) as JsOperand)] as [GE, GE | JsOperand]);
        const otherwise = r.weighted([
          [6, () => this.num(depth - 1, small) as GE | JsOperand],
          [2, () => r.pick(FLOAT_OPERANDS) as JsOperand],
          [1, () => null],
        ] as const)();
        return X.caseWhen(branches, otherwise);
      }
      case 'cast': {
        const from = r.weighted([
          [5, 'num'],
          [3, 'str'],
          [2, 'bool'],
        ] as const);
        const src = from === 'num' ? this.num(depth - 1, small) : from === 'str' ? this.str(depth - 1, small) : this.bool(depth - 1);
        return X.cast(src, r.pick<DType>(['int32', 'int64', 'float64']));
      }
    }
  }

  str(depth: number, small = false): GE {
    const r = this.rng;
    if (depth <= 0 || r.bool(0.35)) {
      const c = r.bool(0.7) ? this.column((d) => d === 'string') : null;
      return c ?? X.lit(r.pick(ALPHABET), 'string');
    }
    const kind = r.weighted([
      [30, 'coalesce'],
      [25, 'case'],
      [25, 'cast'],
    ] as const);
    switch (kind) {
      case 'coalesce': {
        const a = this.str(depth - 1);
        const others = Array.from({ length: r.int(1, 2) }, () => r.weighted([
          [5, () => this.str(depth - 1) as GE | JsOperand],
          [3, () => r.pick(ALPHABET) as JsOperand],
          [1, () => null],
        ] as const)());
        return X.coalesce(a, ...others);
      }
      case 'case': {
        const branches = Array.from({ length: r.int(1, 2) }, () => [this.bool(depth - 1), r.bool(0.7) ? this.str(depth - 1) : (r.pick(ALPHABET) as JsOperand)] as [GE, GE | JsOperand]);
        const otherwise = r.weighted([
          [5, () => this.str(depth - 1) as GE | JsOperand],
          [2, () => r.pick(ALPHABET) as JsOperand],
          [1, () => null],
        ] as const)();
        return X.caseWhen(branches, otherwise);
      }
      case 'cast': {
        const hasDates = this.fields((d) => d === 'date').length > 0;
        const src = r.bool(0.65) ? this.num(depth - 1, small) : hasDates && r.bool(0.4) ? this.date(depth - 1) : this.bool(depth - 1);
        return X.cast(src, 'string');
      }
    }
  }

  /** A date expression: a column, a literal, coalesce, case, or a cast from a string. */
  date(depth: number): GE {
    const r = this.rng;
    const lit = () => X.lit(r.bool(0.95) ? randomDay(r) : null, 'date');
    if (depth <= 0 || r.bool(0.4)) return (r.bool(0.75) ? this.column((d) => d === 'date') : null) ?? lit();
    return r.weighted<() => GE>([
      [3, () => X.coalesce(this.date(depth - 1), r.bool() ? this.date(depth - 1) : lit())],
      [2, () => X.caseWhen([[this.bool(depth - 1), this.date(depth - 1)]], r.bool(0.8) ? this.date(depth - 1) : null)],
      [2, () => X.cast(this.str(depth - 1), 'date')],
    ])();
  }

  /** A comparison between two expressions of one kind; nearly always one side reads a column. */
  comparison(depth: number): GE {
    const r = this.rng;
    const op = r.pick<CmpOp>(['eq', 'ne', 'lt', 'le', 'gt', 'ge']);
    const kinds: ('num' | 'str' | 'bool' | 'date')[] = [];
    if (this.fields(isNum).length > 0) kinds.push('num', 'num');
    if (this.fields((d) => d === 'string').length > 0) kinds.push('str');
    if (this.fields((d) => d === 'bool').length > 0) kinds.push('bool');
    if (this.fields((d) => d === 'date').length > 0) kinds.push('date');
    if (kinds.length === 0) kinds.push('num', 'str');
    const readsColumn = (g: GE) => g.sql.includes('"');
    const side = (make: () => GE): GE => {
      let g = make();
      for (let i = 0; i < 3 && !readsColumn(g); i++) g = make();
      return g;
    };
    switch (r.pick(kinds)) {
      case 'num': {
        const a = side(() => this.num(depth));
        return X.cmp(op, a, r.bool(0.4) ? this.num(depth) : this.jsNumber());
      }
      case 'str': {
        const a = side(() => this.str(depth));
        return X.cmp(op, a, r.bool(0.4) ? this.str(depth) : r.bool(0.95) ? r.pick(ALPHABET) : null);
      }
      case 'bool': {
        const a = this.bool(depth);
        return X.cmp(r.pick<CmpOp>(['eq', 'ne', 'lt', 'gt']), a, r.bool(0.5) ? this.bool(depth) : r.bool());
      }
      case 'date': {
        const a = side(() => this.date(depth));
        return X.cmp(op, a, this.date(depth));
      }
    }
  }

  bool(depth: number): GE {
    const r = this.rng;
    if (depth <= 0 || r.bool(0.25)) {
      const c = r.bool(0.4) ? this.column((d) => d === 'bool') : null;
      if (c) return c;
      if (r.bool(0.05)) return X.lit(r.bool(0.8) ? r.bool() : null, 'bool');
      return this.comparison(0);
    }
    const kind = r.weighted([
      [35, 'cmp'],
      [25, 'andor'],
      [10, 'not'],
      [12, 'null'],
      [6, 'coalesce'],
      [5, 'case'],
      [7, 'cast'],
      [9, 'isIn'],
      [9, 'strTest'],
    ] as const);
    switch (kind) {
      case 'isIn':
        return this.isIn(depth - 1);
      case 'strTest':
        return this.stringTest(depth - 1);
      case 'cmp':
        return this.comparison(depth - 1);
      case 'andor': {
        const a = this.bool(depth - 1);
        const b = r.bool(0.92) ? this.bool(depth - 1) : r.bool();
        return r.bool() ? X.and(a, b) : X.or(a, b);
      }
      case 'not':
        return X.not(this.bool(depth - 1));
      case 'null': {
        const a = this.any(depth - 1);
        return r.bool() ? X.isNull(a) : X.isNotNull(a);
      }
      case 'coalesce':
        return X.coalesce(this.bool(depth - 1), r.bool(0.5) ? this.bool(depth - 1) : r.bool());
      case 'case': {
        const branches = Array.from({ length: r.int(1, 2) }, () => [this.bool(depth - 1), r.bool(0.6) ? this.bool(depth - 1) : r.bool()] as [GE, GE | JsOperand]);
        return X.caseWhen(branches, r.weighted([
          [4, () => this.bool(depth - 1) as GE | JsOperand],
          [2, () => r.bool() as JsOperand],
          [1, () => null],
        ] as const)());
      }
      case 'cast':
        return X.cast(r.bool(0.6) ? this.num(depth - 1) : this.str(depth - 1), 'bool');
    }
  }

  /** A part of a date expression: year, month, day or day of the week. */
  datePart(depth: number): GE {
    return F.datePart(this.rng.pick<DatePart>(['year', 'month', 'day', 'dayOfWeek']), this.date(depth));
  }

  /** x IN (values): values of x's kind (numbers of either class for numbers), nulls now and then, an empty list rarely. */
  isIn(depth: number): GE {
    const r = this.rng;
    const a = this.any(depth);
    const d = dtypeOf(a);
    const pool: () => ListValue = d === 'string' ? () => r.pick(ALPHABET) : d === 'bool' ? () => r.bool() : d === 'date' ? () => randomDay(r) : () => (r.bool(0.8) ? r.pick(INT_OPERANDS) : r.pick(FLOAT_OPERANDS));
    const n = r.weighted([
      [1, 0],
      [6, 1],
      [10, r.int(2, 5)],
    ] as const);
    return F.isIn(a, Array.from({ length: n }, () => (r.bool(0.12) ? null : pool())));
  }

  /** LIKE (a pattern from LIKE_PATTERNS, with its escape; or a string expression as the pattern), or a substring test. */
  stringTest(depth: number): GE {
    const r = this.rng;
    const a = this.str(depth);
    if (r.bool(0.5)) {
      if (r.bool(0.2)) return F.like(a, this.str(depth));
      const [pattern, escape] = r.pick(LIKE_PATTERNS);
      return F.like(a, X.lit(pattern, 'string'), escape);
    }
    const part = r.bool(0.75) ? X.lit(r.pick(PARTS), 'string') : r.bool(0.9) ? this.str(depth) : X.lit(null, 'string');
    return F.stringTest(r.pick<StringTest>(['startsWith', 'endsWith', 'contains']), a, part);
  }

  any(depth: number): GE {
    const r = this.rng;
    const dates = this.fields((d) => d === 'date').length > 0 ? 1.5 : 0;
    return r.weighted<() => GE>([
      [4, () => this.num(depth)],
      [3, () => this.str(depth)],
      [2, () => this.bool(depth)],
      [dates, () => this.date(depth)],
    ])();
  }

  /** Whether an expression reads a column whose values may be too big for exact int64 products. */
  mayBeBig(g: GE): boolean {
    return [...this.g.bigCols].some((c) => g.sql.includes(ident(c)));
  }

  /** Whether an expression reads a column whose values may reach ±2^53. */
  mayBeHuge(g: GE): boolean {
    return [...this.g.hugeCols].some((c) => g.sql.includes(ident(c)));
  }

  /** Whether `g` may be ±Infinity or NaN: a division, or a column computed from one. */
  mayBeNonFinite(g: GE): boolean {
    return g.sql.includes(' / ') || [...this.g.nonFiniteCols].some((c) => g.sql.includes(ident(c)));
  }

  /** Marks the column `name` (computed as `e`) big or huge as its inputs are. */
  track(name: string, e: GE): void {
    if (this.mayBeBig(e)) this.g.bigCols.add(name);
    else this.g.bigCols.delete(name);
    if (this.mayBeHuge(e)) this.g.hugeCols.add(name);
    else this.g.hugeCols.delete(name);
    if (this.mayBeNonFinite(e)) this.g.nonFiniteCols.add(name);
    else this.g.nonFiniteCols.delete(name);
  }
}

// ---------------------------------------------------------------- operators

function projectionColumns(g: Gen, q: Q): { name: string; g: GE }[] {
  const r = g.rng;
  const x = g.exprs(q);
  const passthrough = r.subset(namesOf(q), r.pick([0.3, 0.7, 1])).map((n) => ({ name: n, g: X.col(q, n) }));
  const computed = Array.from({ length: r.int(0, 3) }, () => {
    const e = x.any(r.int(0, 3));
    const name = g.fresh('e');
    x.track(name, e);
    return { name, g: e };
  });
  const cols = r.shuffle([...passthrough, ...computed]);
  if (cols.length === 0) cols.push({ name: namesOf(q)[0], g: X.col(q, namesOf(q)[0]) });
  return cols;
}

/** A computed column under a fresh name. */
function computedColumn(name: string, e: GE): { name: string; g: GE } {
  return { name, g: e };
}

export function randomFilter(g: Gen, q: Q): Q {
  const r = g.rng;
  const depth = r.weighted([
    [3, 0],
    [4, 1],
    [2, 2],
    [1, 3],
  ] as const);
  return g.b.filter(q, g.exprs(q).bool(depth));
}

export function randomSelect(g: Gen, q: Q): Q {
  const cols = projectionColumns(g, q);
  const byName = cols.every((c) => c.g.sql === ident(c.name)) && g.rng.bool(0.5);
  return g.b.select(q, cols, byName);
}

export function randomWithColumn(g: Gen, q: Q): Q {
  const r = g.rng;
  const x = g.exprs(q);
  const e = x.any(r.int(0, 3));
  // Replace an existing non-key column now and then (it moves to the end).
  const replaceable = namesOf(q).filter((n) => n !== 'k1' && n !== 'k2');
  const name = r.bool(0.25) && replaceable.length > 0 ? r.pick(replaceable) : g.fresh('w');
  x.track(name, e);
  return g.b.withColumn(q, name, e);
}

function randomAggregates(g: Gen, q: Q, count: number): { name: string; a: GA }[] {
  const r = g.rng;
  const x = g.exprs(q);
  const arg = (kind: 'num' | 'any' | 'summable'): GE => {
    if (r.bool(0.75)) {
      const fs = fieldsOf(q).filter((f) => kind === 'any' || (isNum(f.dtype) && !(kind === 'summable' && g.hugeCols.has(f.name))));
      if (fs.length > 0) return X.col(q, r.pick(fs).name);
    }
    if (kind !== 'summable') return kind === 'num' ? x.num(r.int(1, 2)) : x.any(r.int(1, 2));
    // No sum or mean over values that may reach ±2^53 (see Gen.hugeCols).
    for (let i = 0; i < 4; i++) {
      const e = x.num(r.int(1, 2));
      if (!x.mayBeHuge(e)) return e;
    }
    return x.numLiteral();
  };
  // Finite values only: DuckDB raises an out-of-range error for the deviation of ±Infinity or NaN
  // (Tessera gives NaN), so no division, which makes them from finite columns.
  const deviationArg = (): GE => {
    for (let i = 0; i < 4; i++) {
      const e = arg('summable');
      if (!x.mayBeNonFinite(e) && !x.mayBeHuge(e)) return e;
    }
    return x.numLiteral();
  };
  return Array.from({ length: count }, () => {
    const fn = r.pick(['countStar', 'count', 'countDistinct', 'sum', 'mean', 'min', 'max', 'deviation'] as const);
    const name = g.fresh('a');
    let a: GA;
    let src: GE | null = null;
    switch (fn) {
      case 'countStar':
        a = A.countStar();
        break;
      case 'count':
        a = A.count((src = arg('any')), r.bool(0.3));
        break;
      case 'deviation':
        a = A.deviation(r.pick(['stddev', 'variance', 'stddevPop', 'variancePop'] as const), (src = deviationArg()));
        break;
      case 'countDistinct':
        a = A.countDistinct((src = arg('any')));
        break;
      case 'sum':
        a = A.sum((src = arg('summable')));
        break;
      case 'mean':
        a = A.mean((src = arg('summable')));
        break;
      case 'min':
        a = A.min((src = arg('any')));
        break;
      case 'max':
        a = A.max((src = arg('any')));
        break;
    }
    // Sums (and extremes of big values) may leave the range where int64 products stay exact.
    if (fn === 'sum' || ((fn === 'min' || fn === 'max') && src && x.mayBeBig(src))) g.bigCols.add(name);
    if ((fn === 'min' || fn === 'max') && src && x.mayBeHuge(src)) g.hugeCols.add(name);
    if (src && x.mayBeNonFinite(src)) g.nonFiniteCols.add(name);
    return { name, a };
  });
}

export function randomAggregate(g: Gen, q: Q): Q {
  const r = g.rng;
  const nKeys = r.weighted([
    [3, 0],
    [5, 1],
    [2, 2],
  ] as const);
  const keys = r.subset(namesOf(q), 0.5).slice(0, nKeys);
  const aggs = randomAggregates(g, q, r.int(1, 5));
  return g.b.aggregate(q, keys, aggs, keys.length === 0 && r.bool());
}

/** Sort keys covering every column (so the order is total), with a random expression key first now and then. */
export function totalSortKeys(g: Gen, q: Q): SortKeySpec[] {
  const r = g.rng;
  const keys: SortKeySpec[] = r.shuffle(namesOf(q)).map((n) => randomKey(g, X.col(q, n), n));
  if (r.bool(0.2)) keys.unshift(randomKey(g, g.exprs(q).any(1)));
  return keys;
}

function randomKey(g: Gen, key: GE, column?: string): SortKeySpec {
  const r = g.rng;
  const desc = r.bool(0.4);
  const nullsFirst = r.pick([undefined, true, false]);
  return { key, desc, nullsFirst, column, bare: !desc && nullsFirst === undefined && r.bool(0.5) };
}

/** A total sort, then 0-2 limits/offsets: a deterministic set, in a defined order. */
export function randomSortLimit(g: Gen, q: Q, limits = g.rng.int(0, 2)): Q {
  const r = g.rng;
  let out = g.b.sort(q, totalSortKeys(g, q));
  for (let i = 0; i < limits; i++) {
    const style = r.bool(0.2) ? 'offset' : 'limit';
    const limit = style === 'offset' ? null : r.weighted([
      [1, 0],
      [6, r.int(1, 10)],
      [2, r.int(20, 300)],
    ] as const);
    const offset = r.weighted([
      [6, 0],
      [3, r.int(1, 8)],
      [0.7, r.int(100, 400)],
    ] as const);
    out = g.b.limit(out, limit, style === 'offset' ? Math.max(offset, 1) : offset, style);
  }
  return out;
}

// ---------------------------------------------------------------- families

export function genFilterProject(seed: number, file: string): DiffCase {
  const g = new Gen('fp', seed);
  const r = g.rng;
  let q = g.b.scan(g.table('T', 't', { keys: r.bool(0.5) }));
  const n = r.int(1, 3);
  for (let i = 0; i < n; i++) {
    q = r.weighted([
      [5, () => randomFilter(g, q)],
      [4, () => randomSelect(g, q)],
      [2, () => randomWithColumn(g, q)],
    ] as const)();
  }
  return g.done(q, file);
}

type JoinVariant = 'k1' | 'k2' | 'k1k2' | 'renamed' | 'int64' | 'float' | 'bool' | 'long' | 'self';

/** The unique key a fresh right table of a join may have (see TableOptions.unique): one that the join's keys cover. */
function uniqueFor(g: Gen, variant: JoinVariant): TableOptions['unique'] {
  const r = g.rng;
  if (!r.bool(0.35)) return undefined;
  switch (variant) {
    case 'k1':
    case 'int64':
    case 'renamed':
      return 'k1';
    case 'k2':
      return 'k2';
    case 'k1k2':
      return r.pick(['k1', 'k2', 'k1k2'] as const);
    default:
      return undefined;
  }
}

/** `right` without the columns `left` also has (other than merged keys): joins reject such name clashes. */
function dropClashes(g: Gen, left: Q, right: Q, merged: readonly string[]): Q {
  const leftNames = new Set(namesOf(left));
  const keep = namesOf(right).filter((n) => !leftNames.has(n) || merged.includes(n));
  if (keep.length === namesOf(right).length) return right;
  return g.b.select(right, keep.map((n) => ({ name: n, g: X.col(right, n) })));
}

/** One random join of `left` (which has k1 and/or k2) with a fresh table. */
function randomJoin(g: Gen, left: Q, prefix: string, forceVariant?: JoinVariant, forceHow?: JoinKind): Q {
  const r = g.rng;
  const how = forceHow ?? r.pick<JoinKind>(['inner', 'left', 'right', 'full', 'semi', 'anti']);
  const semiSql = r.bool(0.3) ? 'keyword' : 'exists';
  const leftNames = namesOf(left);
  const has = (n: string) => leftNames.includes(n);
  const variants: JoinVariant[] = [];
  if (has('k1')) variants.push('k1', 'k1', 'int64', 'renamed');
  if (has('k2')) variants.push('k2', 'k2');
  if (has('k1') && has('k2')) variants.push('k1k2', 'k1k2');
  if (fieldsOf(left).some((f) => f.dtype === 'int64')) variants.push('long');
  const variant = forceVariant ?? r.pick(variants);
  const t = g.table(prefix.toUpperCase(), prefix, { keys: true, unique: uniqueFor(g, variant) });
  let right = g.b.scan(t);
  if (r.bool(0.25)) right = randomFilter(g, right);
  if (r.bool(0.2)) {
    // Keep the keys, drop or compute others.
    const x = g.exprs(right);
    const cols = [
      ...namesOf(right).filter((n) => n === 'k1' || n === 'k2' || r.bool(0.6)).map((n) => ({ name: n, g: X.col(right, n) })),
      ...(r.bool(0.5) ? [computedColumn(g.fresh(`${prefix}_e`), x.num(2, true))] : []),
    ];
    right = g.b.select(right, r.shuffle(cols));
  }
  switch (variant) {
    case 'k1':
    case 'k2':
      return g.b.join(left, dropClashes(g, left, right, [variant]), how, [variant], semiSql);
    case 'k1k2':
      return g.b.join(left, right, how, r.bool() ? ['k1', 'k2'] : ['k2', 'k1'], semiSql);
    case 'renamed': {
      const renamed = g.b.select(
        right,
        namesOf(right).map((n) => {
          const name = n === 'k1' || n === 'k2' ? `${prefix}_${n}` : n;
          return { name, g: X.col(right, n) };
        }),
      );
      if (g.bigCols.has('k1')) g.bigCols.add(`${prefix}_k1`);
      const both = has('k2') && r.bool(0.4);
      return g.b.join(left, renamed, how, { left: both ? ['k1', 'k2'] : ['k1'], right: both ? [`${prefix}_k1`, `${prefix}_k2`] : [`${prefix}_k1`] }, semiSql);
    }
    case 'int64': {
      const wide = g.b.withColumn(left, 'k1', X.cast(X.col(left, 'k1'), 'int64'));
      return g.b.join(wide, dropClashes(g, wide, right, ['k1']), how, ['k1'], semiSql);
    }
    case 'float':
    case 'bool':
    case 'long': {
      // Keys of one type that are not k1/k2 (int64: from the shared LONGS, so that ±2^53 meet).
      const dtype = variant === 'float' ? 'float64' : variant === 'long' ? 'int64' : 'bool';
      const lc = fieldsOf(left).find((f) => f.dtype === dtype);
      const rc = fieldsOf(right).find((f) => f.dtype === dtype);
      if (!lc || !rc) return g.b.join(left, dropClashes(g, left, right, [has('k1') ? 'k1' : 'k2']), how, [has('k1') ? 'k1' : 'k2'], semiSql);
      return g.b.join(left, dropClashes(g, left, right, []), how, { left: [lc.name], right: [rc.name] }, semiSql);
    }
    case 'self':
      return left;
  }
}

export function genJoin(seed: number, file: string): DiffCase {
  const g = new Gen('join', seed);
  const r = g.rng;
  const L = g.table('L', 'l', { keys: true });
  let left = g.b.scan(L);
  if (r.bool(0.25)) left = randomFilter(g, left);
  const variant = r.weighted([
    [3, 'k1'],
    [2, 'k2'],
    [3, 'k1k2'],
    [1, 'renamed'],
    [1, 'int64'],
    [1, 'float'],
    [0.5, 'bool'],
    [1, 'long'],
    [1, 'self'],
  ] as const) as JoinVariant;
  let q: Q;
  if (variant === 'self') {
    // The same scan on both sides (a DAG), right columns renamed.
    const base = g.b.scan(L);
    const renamed = g.b.select(
      base,
      namesOf(base)
        .map((n) => {
          const name = n === 'k1' || n === 'k2' ? n : n.replace(/^l_/, 'x_');
          // A renamed copy is as big (or huge) as its column: the same guards apply to it.
          if (g.bigCols.has(n)) g.bigCols.add(name);
          if (g.hugeCols.has(n)) g.hugeCols.add(name);
          return { name, g: X.col(base, n) };
        })
        .filter((c) => c.name === 'k1' || c.name === 'k2' || r.bool(0.6)),
    );
    const how = r.pick<JoinKind>(['inner', 'left', 'right', 'full', 'semi', 'anti']);
    const keys = r.bool() ? ['k1'] : ['k2', 'k1'];
    q = g.b.join(left, dropClashes(g, left, renamed, keys), how, keys);
  } else if (variant === 'bool' && L.length > 30) {
    q = randomJoin(g, left, 'r', 'k1');
  } else q = randomJoin(g, left, 'r', variant);
  if (r.bool(0.15) && namesOf(q).includes('k2')) {
    // A second join, on the first one's output.
    q = randomJoin(g, q, 's', namesOf(q).includes('k1') && r.bool() ? 'k1k2' : 'k2');
  }
  if (r.bool(0.2)) q = randomFilter(g, q);
  return g.done(q, file);
}

export function genAggregate(seed: number, file: string): DiffCase {
  const g = new Gen('agg', seed);
  const r = g.rng;
  let q = g.b.scan(g.table('T', 't', { keys: r.bool(0.6) }));
  if (r.bool(0.3)) q = randomFilter(g, q);
  else if (r.bool(0.06)) q = g.b.filter(q, X.lit(false, 'bool'));
  if (r.bool(0.15)) q = randomWithColumn(g, q);
  q = randomAggregate(g, q);
  const post = r.weighted([
    [6, 'none'],
    [2, 'having'],
    [2, 'sort'],
  ] as const);
  if (post === 'having') q = randomFilter(g, q);
  else if (post === 'sort') q = randomSortLimit(g, q);
  return g.done(q, file);
}

export function genSortEtc(seed: number, file: string): DiffCase {
  const g = new Gen('sort', seed);
  const r = g.rng;
  const T = g.table('T', 't', { keys: r.bool(0.5) });
  let q = g.b.scan(T);
  const variant = r.pick(['sortKeys', 'sortTotal', 'distinct', 'union', 'unionTwin', 'topN'] as const);
  switch (variant) {
    case 'sortKeys': {
      if (r.bool(0.3)) q = randomFilter(g, q);
      const cols = r.shuffle(namesOf(q)).slice(0, r.int(1, 2));
      q = g.b.sort(q, cols.map((c) => randomKey(g, X.col(q, c), c)));
      break;
    }
    case 'sortTotal':
      if (r.bool(0.3)) q = randomSelect(g, q);
      q = randomSortLimit(g, q, r.int(0, 2));
      break;
    case 'distinct': {
      const names = r.subset(namesOf(q), 0.4);
      if (names.length > 0 && r.bool(0.8)) q = g.b.select(q, names.map((n) => ({ name: n, g: X.col(q, n) })), r.bool());
      q = g.b.distinct(q);
      if (r.bool(0.4)) q = randomSortLimit(g, q);
      break;
    }
    case 'union':
    case 'unionTwin': {
      const other = variant === 'union' ? (r.bool(0.7) ? randomFilter(g, q) : q) : g.b.scan(g.table('U', 't', { keys: false, like: T }));
      const a = r.bool(0.5) ? randomFilter(g, q) : q;
      const distinct = r.bool(0.3);
      q = r.bool() ? g.b.union(a, other, distinct) : g.b.union(other, a, distinct);
      q = r.weighted([
        [3, () => q],
        [2, () => g.b.distinct(q)],
        [2, () => randomAggregate(g, q)],
        [3, () => randomSortLimit(g, q)],
      ] as const)();
      break;
    }
    case 'topN':
      q = randomAggregate(g, q);
      q = randomSortLimit(g, q, 1);
      break;
  }
  return g.done(q, file);
}

/**
 * The scalar functions, deviations, outer joins and UNION in every case (the other
 * families draw them among everything else): a filter or a projection of function
 * expressions, a group-by with deviations and counts, a right or full join, or a union.
 */
export function genFunctions(seed: number, file: string): DiffCase {
  const g = new Gen('fn', seed);
  const r = g.rng;
  let q = g.b.scan(g.table('T', 't', { keys: true }));
  const functionExpr = (depth: number): GE => {
    const x = g.exprs(q);
    return r.weighted<() => GE>([
      [3, () => x.isIn(depth)],
      [3, () => x.stringTest(depth)],
      [2, () => x.datePart(depth)],
      [1, () => x.any(depth + 1)],
    ])();
  };
  const variant = r.pick(['filter', 'select', 'aggregate', 'join', 'union'] as const);
  switch (variant) {
    case 'filter': {
      let p = functionExpr(r.int(0, 2));
      if (dtypeOf(p) !== 'bool') p = X.isNotNull(p);
      q = g.b.filter(q, r.bool(0.3) ? X.not(p) : p);
      break;
    }
    case 'select': {
      const cols = Array.from({ length: r.int(1, 4) }, () => ({ name: g.fresh('f'), g: functionExpr(r.int(0, 2)) }));
      for (const c of cols) g.exprs(q).track(c.name, c.g);
      q = g.b.select(q, [...cols, { name: 'k1', g: X.col(q, 'k1') }]);
      break;
    }
    case 'aggregate':
      if (r.bool(0.5)) {
        // A computed column is as big (or huge) as what it reads: sums keep off huge ones.
        const name = g.fresh('f');
        const e = functionExpr(r.int(0, 1));
        g.exprs(q).track(name, e);
        q = g.b.withColumn(q, name, e);
      }
      q = randomAggregate(g, q);
      break;
    case 'join':
      q = randomJoin(g, q, 'r', undefined, r.pick(['right', 'full'] as const));
      if (r.bool(0.3)) q = randomFilter(g, q);
      break;
    case 'union': {
      const other = g.b.scan(g.table('U', 't', { keys: false, like: g.tables[0] }));
      q = g.b.union(r.bool(0.5) ? randomFilter(g, q) : q, other, r.bool(0.7));
      break;
    }
  }
  return g.done(q, file);
}

export function genMixed(seed: number, file: string): DiffCase {
  const g = new Gen('mixed', seed);
  const r = g.rng;
  // Tiny inputs are covered by the other families; long pipelines need rows to keep.
  let q = g.b.scan(g.table('L', 'l', { keys: true, size: r.bool(0.9) ? r.int(20, 250) : undefined }));
  const n = r.int(3, 5);
  let joins = 0;
  for (let i = 0; i < n; i++) {
    const names = namesOf(q);
    const canJoin = joins < 2 && (names.includes('k1') || names.includes('k2'));
    const op = r.weighted([
      [4, 'filter'],
      [3, 'select'],
      [1, 'withColumn'],
      [canJoin ? 4 : 0, 'join'],
      [3, 'aggregate'],
      [1.5, 'distinct'],
      [1.5, 'sortLimit'],
      [1.5, 'union'],
    ] as const);
    switch (op) {
      case 'filter':
        q = randomFilter(g, q);
        break;
      case 'select':
        q = randomSelect(g, q);
        break;
      case 'withColumn':
        q = randomWithColumn(g, q);
        break;
      case 'join': {
        const prefix = `r${++joins}`;
        const v: JoinVariant = names.includes('k1') && names.includes('k2') ? r.pick(['k1', 'k2', 'k1k2'] as const) : names.includes('k1') ? 'k1' : 'k2';
        // After an aggregate or a projection the key may have another type than the fresh table's.
        const keyOk = (k: string) => {
          const f = fieldsOf(q).find((x) => x.name === k);
          return f && (k === 'k1' ? f.dtype === 'int32' || f.dtype === 'int64' : f.dtype === 'string');
        };
        if ((v === 'k1' || v === 'k1k2') && !keyOk('k1')) break;
        if ((v === 'k2' || v === 'k1k2') && !keyOk('k2')) break;
        q = randomJoin(g, q, prefix, v);
        break;
      }
      case 'aggregate':
        q = randomAggregate(g, q);
        break;
      case 'distinct':
        q = g.b.distinct(q);
        break;
      case 'sortLimit':
        q = randomSortLimit(g, q, r.int(1, 2));
        break;
      case 'union': {
        const a = r.bool(0.6) ? randomFilter(g, q) : q;
        q = g.b.union(a, r.bool(0.6) ? randomFilter(g, q) : q, r.bool(0.3));
        break;
      }
    }
  }
  if (r.bool(0.4)) q = randomSortLimit(g, q, r.int(0, 1));
  return g.done(q, file);
}

// ---------------------------------------------------------------- every family

/** The generated families, each with the seed range its vitest suite runs (see *.test.ts). */
export const FAMILIES = [
  { name: 'fp', gen: genFilterProject },
  { name: 'join', gen: genJoin },
  { name: 'agg', gen: genAggregate },
  { name: 'sort', gen: genSortEtc },
  { name: 'mixed', gen: genMixed },
  { name: 'fn', gen: genFunctions },
] as const;

/** The case of a seed in the fuzz command's numbering: the family is the seed modulo the family count. */
export function genAny(seed: number, file: string, repro?: string): DiffCase {
  const c = FAMILIES[((seed % FAMILIES.length) + FAMILIES.length) % FAMILIES.length].gen(seed, file);
  return repro === undefined ? c : { ...c, repro };
}
