import { readFileSync, writeFileSync } from 'node:fs';
import { Table } from 'apache-arrow';
import { ArtefactError, InputRowError, PlanError } from '../errors.js';
import { RUN_OPTIONS, type RunOptions, collectPlan } from '../dsl/run.js';
import { checkOptions } from '../options.js';
import { arrowTableSource, columnsSource } from '../io/index.js';
import { columnRef } from '../plan/expr.js';
import { type PlanNode, type RelationNode, makeNode, postOrder, withInputs } from '../plan/node.js';
import type { RelationSchema } from '../types/schema.js';
import { type FittedParts, artefactDocument, readArtefact, rebuildExpr } from './artefact.js';
import { type FittedExplainOptions, explainFitted } from './explain.js';
import type { FrozenConstant } from './freeze.js';
import type { Lineage } from './lineage.js';
import type { FeatureStats } from './stats.js';
import { type RowScorer, compileRowScorer } from './scorer.js';
import { type Profile, type ProfileInput } from '../validate/profile.js';
import { type ProfileCheck, checkAgainstProfile } from '../validate/drift.js';
import { type RowChecker, type RowVerdict, rowChecker } from '../validate/row-check.js';

/** The attachment under which fit() saves the profile of the training inputs. */
export const INPUT_PROFILE = 'inputProfile';

/** A plain input row: column name → value (numbers, bigints, strings, booleans, Dates, null). */
export type InputRow = Readonly<Record<string, unknown>>;

/**
 * Checks run on every input before it is scored: the hook input validation and drift
 * detection (src/validate) attach to. `row` must stay cheap (it runs on the single-row
 * path); `batch` sees the input relation of a batch before it runs.
 */
export interface InputCheck {
  row?(row: InputRow, fitted: FittedPipeline): void;
  batch?(input: RelationNode, fitted: FittedPipeline): void | Promise<void>;
}

/** A batch input: row objects, an Arrow table, or a relation (its columns by name). */
export type BatchInput = readonly InputRow[] | Table | { readonly plan: RelationNode };

/**
 * A pipeline after fit(): a plan over one input row (or a batch of rows) in which every
 * value learned from the training data is a constant. Scores single rows on a path
 * compiled once (predict(row)), batches through the engine (predict(rows)); both give
 * the same bits. Saves to and loads from a JSON artefact (src/fit/artefact.ts).
 */
export class FittedPipeline {
  readonly plan: PlanNode;
  /** The raw columns an input row must have. */
  readonly input: RelationSchema;
  readonly constants: readonly FrozenConstant[];
  /** Training statistics per encoded feature (see FeatureStats). */
  readonly trainingStats: readonly FeatureStats[];
  readonly lineage: Lineage;
  /** Names of the columns predict(row) returns. */
  readonly outputNames: readonly string[];
  /** JSON values saved with the artefact by name: where input checks (src/validate) keep their profile. */
  readonly attachments: Record<string, unknown>;
  private readonly scorer: RowScorer | PlanError;
  private readonly scratch: Float64Array;
  private readonly checks: InputCheck[] = [];
  private rowCheck: RowChecker | undefined;

  constructor(parts: FittedParts) {
    this.plan = parts.plan;
    this.input = parts.input;
    this.constants = parts.constants;
    this.trainingStats = parts.trainingStats;
    this.lineage = parts.lineage;
    this.attachments = { ...parts.attachments };
    const p = parts.plan;
    const m = p.kind === 'appendColumns' ? p.inputs[1] : p.kind === 'matrixToRelation' ? p.inputs[0] : p;
    this.outputNames = m.output.kind === 'matrix' ? m.output.columnNames : [];
    // Compiled once; a plan the single-row path cannot run still scores batches.
    let scorer: RowScorer | PlanError;
    try {
      scorer = compileRowScorer(p, parts.input.fields);
    } catch (e) {
      if (!(e instanceof PlanError)) throw e;
      scorer = e;
    }
    this.scorer = scorer;
    this.scratch = new Float64Array(this.outputNames.length);
  }

  /** Loads an artefact from a file path, or from its parsed JSON. */
  static load(from: string | object): FittedPipeline {
    if (typeof from !== 'string') return new FittedPipeline(readArtefact(from, 'artefact'));
    let text: string;
    try {
      text = readFileSync(from, 'utf8');
    } catch (e) {
      throw new ArtefactError(from, 'malformed', `cannot read the file (${(e as Error).message})`);
    }
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw new ArtefactError(from, 'malformed', `not JSON (${(e as Error).message})`);
    }
    return new FittedPipeline(readArtefact(doc, from));
  }

  /** The artefact as a JSON-ready document. */
  toJSON(): Record<string, unknown> {
    return artefactDocument(this);
  }

  /** Writes the artefact (JSON) to `path`. */
  save(path: string): void {
    writeFileSync(path, `${JSON.stringify(this.toJSON())}\n`);
  }

  /** Stores a JSON value with the pipeline (saved in the artefact under `attachments`). */
  attach(name: string, value: unknown): void {
    this.attachments[name] = value;
  }

  /** The profile of the raw training inputs fit() recorded (src/validate), if the artefact has one. */
  get inputProfile(): Profile | undefined {
    return this.attachments[INPUT_PROFILE] as Profile | undefined;
  }

  /**
   * One input row checked against the training profile: null when it is fine (no
   * allocation), else a verdict listing each problem (a missing or mistyped column, an
   * unseen category, a value outside the training range, a null where training had
   * none). It does not score; predict() does not call it unless attached as a check.
   */
  checkRow(row: InputRow): RowVerdict | null {
    this.rowCheck ??= rowChecker(this.requireProfile('checkRow'));
    return this.rowCheck(row);
  }

  /** A batch checked against the training profile: schema, categories, ranges, nulls and drift (PSI; see docs/validation.md). */
  checkBatch(batch: ProfileInput | readonly InputRow[]): Promise<ProfileCheck> {
    return checkAgainstProfile(this.requireProfile('checkBatch'), batch);
  }

  private requireProfile(operator: string): Profile {
    const p = this.inputProfile;
    if (p === undefined) throw new PlanError(operator, 'this fitted pipeline has no input profile (an artefact saved before fit() recorded one): fit it again');
    return p;
  }

  /** Attaches a check run on every input before it is scored; returns a function that detaches it. */
  attachInputCheck(check: InputCheck): () => void {
    this.checks.push(check);
    return () => {
      const i = this.checks.indexOf(check);
      if (i >= 0) this.checks.splice(i, 1);
    };
  }

  /**
   * Scores one row (a plain object) and returns its outputs (`outputNames`), or null when
   * the pipeline's filters drop the row (as the batch plan drops it); or scores a batch
   * (row objects, an Arrow table or a relation) through the engine and returns the
   * pipeline's result table.
   */
  predict(row: InputRow): Float64Array | null;
  predict(batch: BatchInput, options?: RunOptions): Promise<Table>;
  predict(input: InputRow | BatchInput, options?: RunOptions): Float64Array | null | Promise<Table> {
    if (Array.isArray(input) || input instanceof Table || isRelation(input)) return this.predictBatch(input as BatchInput, options);
    return this.predictInto(input as InputRow, new Float64Array(this.outputNames.length));
  }

  /** One row's outputs written into `out` (length `outputNames.length`); returns `out`, or null when a filter drops the row. */
  predictInto(row: InputRow, out: Float64Array): Float64Array | null {
    const scorer = this.scorer;
    if (scorer instanceof PlanError) throw scorer;
    for (let i = 0; i < this.checks.length; i++) this.checks[i].row?.(row, this);
    return scorer.scoreInto(row, out) ? out : null;
  }

  /** One row's first output (a prediction, a score, a cluster id), or null when a filter drops the row. */
  predictValue(row: InputRow): number | null {
    const out = this.predictInto(row, this.scratch);
    return out === null ? null : out[0];
  }

  private async predictBatch(batch: BatchInput, options: RunOptions = {}): Promise<Table> {
    checkOptions('predict', options, RUN_OPTIONS);
    const input = this.batchInput(batch);
    for (const c of this.checks) await c.batch?.(input, this);
    return collectPlan(this.planOver(input), options);
  }

  /** The input as a relation with exactly the fitted input's columns (checked by name and type). */
  private batchInput(batch: BatchInput): RelationNode {
    const fields = this.input.fields;
    let plan: RelationNode;
    if (Array.isArray(batch)) {
      const rows = batch as readonly InputRow[];
      const columns: Record<string, unknown[]> = Object.create(null);
      const types: Record<string, string> = Object.create(null);
      for (const f of fields) {
        const values = new Array<unknown>(rows.length);
        rows.forEach((r, i) => {
          const v = r[f.name];
          if (v === undefined && !(f.name in r)) throw new InputRowError('predict', f.name, `missing from row ${i}; the fitted pipeline reads it (${f.dtype})`);
          values[i] = v;
        });
        columns[f.name] = values;
        types[f.name] = `${f.dtype}?`;
      }
      plan = makeNode('scan', { source: columnsSource(columns as never, { name: 'rows', types: types as never }), columns: null }, []) as RelationNode;
    } else if (batch instanceof Table) {
      plan = makeNode('scan', { source: arrowTableSource(batch, { name: 'arrow' }), columns: null }, []) as RelationNode;
    } else plan = (batch as { readonly plan: RelationNode }).plan;
    const have = plan.output.schema.fields;
    const columns = fields.map((f) => {
      const g = have.find((x) => x.name === f.name);
      if (!g) throw new InputRowError('predict', f.name, `missing from the input; the fitted pipeline reads it (${f.dtype})`);
      if (g.dtype !== f.dtype) throw new InputRowError('predict', f.name, `is ${g.dtype} in the input, the fitted pipeline reads ${f.dtype}`);
      return { name: f.name, expr: columnRef(g.name, g) };
    });
    return makeNode('project', { columns }, [plan]) as RelationNode;
  }

  /**
   * The fitted plan over `input` in place of its input placeholder; a matrix result
   * becomes a relation of its columns. Expressions are typed again over the input's
   * columns, which may be nullable where the training columns were not: a null then
   * fails where it fails in a single row (a numeric encoder) or is handled as there.
   */
  private planOver(input: RelationNode): RelationNode {
    const rebuilt = new Map<PlanNode, PlanNode>();
    for (const n of postOrder(this.plan)) {
      if (rebuilt.has(n)) continue;
      const inputs = n.inputs.map((c) => rebuilt.get(c)!);
      const typeOf = (name: string) => (inputs[0]?.output.kind === 'relation' ? inputs[0].output.schema.fields.find((f) => f.name === name) : undefined);
      let out: PlanNode;
      if (n.kind === 'scan') out = input;
      else if (n.kind === 'project') out = makeNode('project', { columns: n.args.columns.map((c) => ({ name: c.name, expr: rebuildExpr(c.expr, typeOf) })) }, inputs);
      else if (n.kind === 'filter') out = makeNode('filter', { predicate: rebuildExpr(n.args.predicate, typeOf) }, inputs);
      else out = withInputs(n, inputs);
      rebuilt.set(n, out);
    }
    const root = rebuilt.get(this.plan)!;
    if (root.output.kind === 'relation') return root as RelationNode;
    return makeNode('matrixToRelation', { names: uniqueNames(root.output.columnNames) }, [root]) as RelationNode;
  }

  /**
   * The served plan, the input it reads, every frozen constant with its provenance and
   * the profile of the raw training inputs (src/fit/explain.ts): text, or `format: 'json'`.
   */
  explain(options: FittedExplainOptions = {}): string {
    return explainFitted(this, this.scorer instanceof PlanError ? this.scorer.message : null, options);
  }
}

function isRelation(x: unknown): x is { plan: RelationNode } {
  const plan = (x as { plan?: { output?: { kind?: unknown } } } | null)?.plan;
  return typeof plan === 'object' && plan !== null && plan.output?.kind === 'relation';
}

/** Column names made unique (`c`, `c_1`, …), for a matrix result written as a relation. */
function uniqueNames(names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.map((n) => {
    let name = n;
    for (let k = 1; seen.has(name); k++) name = `${n}_${k}`;
    seen.add(name);
    return name;
  });
}
