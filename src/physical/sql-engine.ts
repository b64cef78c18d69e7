/**
 * Relational subplans handed to a SQL engine (DuckDB, on the caller's connection): when
 * a run names a relational engine, each maximal subplan of relational operators that
 * compile to SQL exactly (src/sql/) becomes one physical operator, `DuckDBQuery`, that
 * runs the compiled query; Tessera runs the rest (matrix operators, bridges, and any
 * relational operator SQL cannot compute exactly, with the reason in explain). See
 * docs/sql.md.
 *
 * A subplan's inputs are what it reads but does not compute: scans (Tessera loads their
 * sources with its own readers and checks) and results computed in Tessera; the
 * executor copies each into a temporary table named here. A relational operator read by
 * several operators is computed once, as its own query.
 */
import { SqlUnsupportedError } from '../errors.js';
import type { DuckDBConnectionLike } from '../io/duckdb.js';
import type { Estimate } from '../optimizer/cost.js';
import type { PlanNode } from '../plan/node.js';
import { postOrderOf } from '../plan/walk.js';
import { SQL_KINDS, compileSql } from '../sql/compile.js';
import { quoteIdentifier } from '../sql/literals.js';
import { JS_VALUES_PER_MS } from './placement.js';
import type { PhysicalNode } from './plan.js';

/** Where a run's relational subplans run: `{ duckdb: connection }` (a @duckdb/node-api DuckDBConnection). */
export interface RelationalEngine {
  readonly duckdb: DuckDBConnectionLike;
}

/** What a DuckDBQuery operator runs: the SQL, and the temporary tables (names, unquoted) its inputs are copied into, one per input in order. */
export interface SqlQuery {
  readonly engine: 'duckdb';
  readonly sql: string;
  readonly inputTables: readonly string[];
}

/** One subplan run as one query. */
export interface SqlRegion {
  readonly root: PlanNode;
  /** The operators compiled into the query, inputs first. */
  readonly members: readonly PlanNode[];
  /** What the query reads: scans and results computed in Tessera, in the order of `query.inputTables`. */
  readonly inputs: readonly PlanNode[];
  readonly query: SqlQuery;
}

/** The subplans of one scope of a plan (a loop body is a scope of its own) and why other relational operators stay in Tessera. */
export interface SqlRegions {
  /** The region whose root `node` is. */
  regionAt(node: PlanNode): SqlRegion | undefined;
  /** Why a relational operator runs in Tessera although a relational engine was named. */
  refusal(node: PlanNode): string | undefined;
}

/** Splits the scope under `root` into SQL regions; `readers` counts each node's readers in the scope. */
export function planSqlRegions(root: PlanNode, readers: ReadonlyMap<PlanNode, number>): SqlRegions {
  const order = postOrderOf<PlanNode>(root, (n) => n.inputs);
  const refusals = new Map<PlanNode, string>();
  const compiles = new Set<PlanNode>();
  for (const n of order) {
    if (n.kind === 'scan' || !SQL_KINDS.has(n.kind)) continue;
    const why = refusalOf(n, readers);
    if (why === undefined) compiles.add(n);
    else refusals.set(n, why);
  }
  const readByTessera = new Set<PlanNode>();
  for (const n of order) if (!compiles.has(n)) for (const c of n.inputs) readByTessera.add(c);
  // A region's root: its value leaves the region (read by Tessera, by several operators, or it is the result).
  const isRoot = (n: PlanNode) => compiles.has(n) && (n === root || (readers.get(n) ?? 0) > 1 || readByTessera.has(n));

  const regions = new Map<PlanNode, SqlRegion>();
  for (const r of order) {
    if (!isRoot(r)) continue;
    const inside = (n: PlanNode) => n === r || (compiles.has(n) && !isRoot(n));
    const members = postOrderOf<PlanNode>(r, (n) => (inside(n) ? n.inputs : [])).filter(inside);
    const inputs = [...new Set(members.flatMap((m) => m.inputs.filter((c) => !inside(c))))];
    const inputTables = inputs.map((_, i) => `__tessera_input_${i + 1}`);
    const tableOf = new Map(inputs.map((c, i) => [c, quoteIdentifier(inputTables[i])]));
    const sql = compileSql(r, { inputTable: (n) => (inside(n) ? undefined : tableOf.get(n)) });
    regions.set(r, { root: r, members, inputs, query: { engine: 'duckdb', sql, inputTables } });
  }
  return { regionAt: (n) => regions.get(n), refusal: (n) => refusals.get(n) };
}

/** Why `n` alone cannot run in SQL (undefined when it can): its own SQL is tried over stand-in inputs. */
function refusalOf(n: PlanNode, readers: ReadonlyMap<PlanNode, number>): string | undefined {
  // A limit is written with the sort below it (and the limits between): they compile with it, and must compute nothing else.
  const chain = new Set<PlanNode>([n]);
  if (n.kind === 'limit') {
    for (let below = n.inputs[0]; below.kind === 'limit' || below.kind === 'sort'; below = below.inputs[0]) {
      if ((readers.get(below) ?? 0) > 1) return `runs in Tessera, not DuckDB: the ${below.kind} below this limit is read by other operators too, and SQL keeps no row order between queries`;
      chain.add(below);
      if (below.kind === 'sort') break;
    }
  }
  try {
    compileSql(n, { inputTable: (m) => (chain.has(m) ? undefined : '"input"') });
    return undefined;
  } catch (e) {
    if (e instanceof SqlUnsupportedError) return `runs in Tessera, not DuckDB: ${e.message}`;
    throw e;
  }
}

/** The DuckDBQuery physical operator of a region. */
export function sqlPhysicalNode(id: number, region: SqlRegion, inputs: readonly PhysicalNode[], estimate: (n: PlanNode) => Estimate): PhysicalNode {
  const copied = region.inputs.reduce((s, c) => s + estimate(c).rows * estimate(c).cols, 0);
  const ms = (region.members.reduce((s, m) => s + estimate(m).cost, 0) + copied) / JS_VALUES_PER_MS;
  return {
    id,
    operator: 'DuckDBQuery',
    logical: region.root,
    covers: region.members,
    provider: 'js',
    device: 'cpu',
    layout: 'columns',
    algorithm: `one SQL query on the caller's DuckDB connection${region.inputs.length > 0 ? `; ${region.inputs.length} input${region.inputs.length > 1 ? 's' : ''} copied into temporary tables` : ''}; result read back as columns`,
    reason: 'relationalEngine: duckdb runs the relational operators that compile to SQL exactly',
    inputs,
    sql: region.query,
    estimatedMs: ms,
    estimatedBytes: estimate(region.root).bytes,
  };
}
