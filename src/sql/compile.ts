/**
 * The relational part of a logical plan as one DuckDB SQL query: scan, filter, project,
 * join (inner, left, right, full, semi, anti), aggregate, sort, limit, distinct and
 * union, over the expressions of ./expressions.ts. Each operator becomes a SELECT over
 * its inputs as subqueries; an operator read by several others is written once, as a
 * common table expression. An operator or expression whose SQL would compute something
 * else than Tessera does is a SqlUnsupportedError naming it and why (docs/sql.md).
 */
import { PlanError, SqlUnsupportedError } from '../errors.js';
import type { Node, PlanNode } from '../plan/node.js';
import { joinOutputFields } from '../plan/relational-operators.js';
import type { TableSource } from '../plan/source.js';
import { postOrderOf } from '../plan/walk.js';
import { commonDType } from '../types/dtype.js';
import type { Field } from '../types/schema.js';
import { aggregateSql } from './aggregates.js';
import { exprSql } from './expressions.js';
import { castSql, quoteIdentifier } from './literals.js';

export interface SqlCompileOptions {
  /**
   * The SQL a scan of `source` reads from (a FROM item: a table name, quoted, or a table
   * function). Default: the source's name as a quoted table name.
   */
  readonly table?: (source: TableSource) => string;
  /**
   * Where compilation stops: a node for which this gives a table name is read from that
   * table (holding its output columns) instead of being compiled. The relational engine
   * uses it for the inputs it copies into DuckDB.
   */
  readonly inputTable?: (node: PlanNode) => string | undefined;
}

/** The relational kinds this compiler writes. */
export const SQL_KINDS: ReadonlySet<string> = new Set(['scan', 'filter', 'project', 'join', 'aggregate', 'sort', 'limit', 'distinct', 'union']);

/** The FROM items of scans by default: the source's name, quoted; two sources of one name are an error (pass `table`). */
function defaultTables(): (source: TableSource) => string {
  const byName = new Map<string, TableSource>();
  return (source) => {
    const other = byName.get(source.name);
    if (other && other !== source) {
      throw new PlanError('toSQL', `two sources are named '${source.name}'; pass { table: (source) => ... } to name the table each is read from`);
    }
    byName.set(source.name, source);
    return quoteIdentifier(source.name);
  };
}

/**
 * The hidden column that carries a sort's order through the filters and projections
 * above it (SQL keeps no row order from a subquery to the query around it): a sort
 * below the top numbers its rows in its order, an operator that keeps row order passes
 * the number on, and the top of the query orders by it.
 */
const ORDER = quoteIdentifier('__tessera_order');

/** What compiling one operator needs to know of the others. */
interface Context {
  /** An input as a FROM item with a fresh alias: [item, alias]. */
  from(n: PlanNode): [string, string];
  /** Whether `n` is read from a table (not compiled here). */
  stopped(n: PlanNode): boolean;
  /** Whether `n`'s query carries the ORDER column. */
  ordered(n: PlanNode): boolean;
  /** Whether `n` is the query's top. */
  isRoot(n: PlanNode): boolean;
}

/** The relational plan `root` as one SQL query (SqlUnsupportedError for what SQL cannot compute exactly). */
export function compileSql(root: PlanNode, options: SqlCompileOptions = {}): string {
  const table = options.table ?? defaultTables();
  const stop = (n: PlanNode) => options.inputTable?.(n);
  const nodes = postOrderOf<PlanNode>(root, (n) => (stop(n) !== undefined ? [] : n.inputs));
  const readers = new Map<PlanNode, number>();
  for (const n of nodes) if (stop(n) === undefined) for (const c of n.inputs) readers.set(c, (readers.get(c) ?? 0) + 1);
  const select = new Map<PlanNode, string>();
  const ordered = new Set<PlanNode>();
  const ctes: string[] = [];
  const cteName = new Map<PlanNode, string>();
  let aliases = 0;

  const ctx: Context = {
    from(n) {
      const alias = `q${++aliases}`;
      const named = cteName.get(n);
      return [named ? `${named} AS ${alias}` : `(${select.get(n)!}) AS ${alias}`, alias];
    },
    stopped: (n) => stop(n) !== undefined,
    ordered: (n) => ordered.has(n),
    isRoot: (n) => n === root,
  };

  for (const n of nodes) {
    let sql: string;
    const input = stop(n);
    if (input !== undefined) sql = `SELECT ${columnList(n, null)} FROM ${input}`;
    else if (n.kind === 'scan') sql = `SELECT ${columnList(n, null)} FROM ${table(n.args.source)}`; else {
      if (n !== root && carriesOrder(n, ctx)) {
        if (fieldsOf(n, n.kind).some((f) => quoteIdentifier(f.name) === ORDER)) throw new SqlUnsupportedError(n.kind, `a column named ${ORDER}, the name its SQL carries row order in`);
        ordered.add(n);
      }
      sql = compileNode(n, ctx);
    }
    if ((readers.get(n) ?? 0) > 1 && n !== root) {
      const name = quoteIdentifier(`__tessera_${cteName.size + 1}`);
      cteName.set(n, name);
      ctes.push(`${name} AS (${sql})`);
    }
    select.set(n, sql);
  }
  const body = select.get(root)!;
  return ctes.length > 0 ? `WITH ${ctes.join(', ')} ${body}` : body;
}

/** Whether `n` (not the top) carries the ORDER column: a sort by something, and the operators that keep its order. */
function carriesOrder(n: PlanNode, ctx: Context): boolean {
  switch (n.kind) {
    case 'sort':
      return n.args.keys.some((k) => k.expr.kind !== 'literal');
    case 'filter':
    case 'project':
      return ctx.ordered(n.inputs[0]);
    case 'limit': {
      const { limit, offset, below } = limitChain(n, ctx);
      if (limit === 0) return false;
      return limit === null && offset === 0 ? ctx.ordered(below) : true;
    }
    default:
      return false;
  }
}

function fieldsOf(n: PlanNode, operator: string): readonly Field[] {
  if (n.output.kind !== 'relation') throw new SqlUnsupportedError(operator, 'its input is a matrix; only relational operators compile to SQL');
  return n.output.schema.fields;
}

/** `alias."a", alias."b"` (or unqualified) for every column of `n`'s output. */
function columnList(n: PlanNode, alias: string | null): string {
  const fields = fieldsOf(n, n.kind);
  if (fields.length === 0) throw new SqlUnsupportedError(n.kind, 'a relation without columns (SQL has no empty select list)');
  return fields.map((f) => qualified(alias, f.name)).join(', ');
}

const qualified = (alias: string | null, name: string) => (alias === null ? quoteIdentifier(name) : `${alias}.${quoteIdentifier(name)}`);
const column = (alias: string) => (name: string) => qualified(alias, name);

/**
 * How an operator that keeps row order passes on the order of its input `input` (read
 * as alias `q`): the ORDER column in its select list, or, at the top, an ORDER BY it.
 */
function keptOrder(n: PlanNode, input: PlanNode, q: string, ctx: Context): { column: string; orderBy: string } {
  if (!ctx.ordered(input)) return { column: '', orderBy: '' };
  return ctx.isRoot(n) ? { column: '', orderBy: ` ORDER BY ${q}.${ORDER}` } : { column: `, ${q}.${ORDER}`, orderBy: '' };
}

function compileNode(n: PlanNode, ctx: Context): string {
  switch (n.kind) {
    case 'filter': {
      const [item, q] = ctx.from(n.inputs[0]);
      const order = keptOrder(n, n.inputs[0], q, ctx);
      return `SELECT ${columnList(n, q)}${order.column} FROM ${item} WHERE ${exprSql(n.args.predicate, column(q))}${order.orderBy}`;
    }
    case 'project': {
      const [item, q] = ctx.from(n.inputs[0]);
      if (n.args.columns.length === 0) throw new SqlUnsupportedError('project', 'a projection without columns (SQL has no empty select list)');
      const order = keptOrder(n, n.inputs[0], q, ctx);
      const list = n.args.columns.map((c) => `${exprSql(c.expr, column(q))} AS ${quoteIdentifier(c.name)}`);
      return `SELECT ${list.join(', ')}${order.column} FROM ${item}${order.orderBy}`;
    }
    case 'join':
      return joinSql(n, ctx);
    case 'aggregate': {
      const [item, q] = ctx.from(n.inputs[0]);
      const { groupBy, aggregates } = n.args;
      const list = [...groupBy.map((k) => qualified(q, k)), ...aggregates.map((a) => `${aggregateSql(a.aggregate, column(q))} AS ${quoteIdentifier(a.name)}`)];
      if (list.length === 0) throw new SqlUnsupportedError('aggregate', 'an aggregate without keys or aggregates (SQL has no empty select list)');
      return `SELECT ${list.join(', ')} FROM ${item}${groupBy.length > 0 ? ` GROUP BY ${groupBy.map((k) => qualified(q, k)).join(', ')}` : ''}`;
    }
    case 'sort': {
      const [item, q] = ctx.from(n.inputs[0]);
      const keys = orderBy(n, q);
      if (!keys) return `SELECT ${columnList(n, q)} FROM ${item}`;
      if (ctx.isRoot(n)) return `SELECT ${columnList(n, q)} FROM ${item} ORDER BY ${keys}`;
      return `SELECT ${columnList(n, q)}, row_number() OVER (ORDER BY ${keys}) AS ${ORDER} FROM ${item}`;
    }
    case 'limit':
      return limitSql(n, ctx);
    case 'distinct': {
      const [item, q] = ctx.from(n.inputs[0]);
      return `SELECT DISTINCT ${columnList(n, q)} FROM ${item}`;
    }
    case 'union': {
      const [a, qa] = ctx.from(n.inputs[0]);
      const [b, qb] = ctx.from(n.inputs[1]);
      return `(SELECT ${columnList(n, qa)} FROM ${a}) UNION ALL (SELECT ${columnList(n, qb)} FROM ${b})`;
    }
    default:
      throw new SqlUnsupportedError(n.kind, `${n.output.kind === 'matrix' ? 'a matrix operator' : 'this operator'} has no SQL form; only ${[...SQL_KINDS].join(', ')} compile`);
  }
}

/** ORDER BY text of a sort (constant keys order nothing and are left out: SQL reads a bare constant as a column position). */
function orderBy(n: Node<'sort'>, q: string): string {
  return n.args.keys
    .filter((k) => k.expr.kind !== 'literal')
    .map((k) => `${exprSql(k.expr, column(q))} ${k.descending ? 'DESC' : 'ASC'} NULLS ${k.nullsFirst ? 'FIRST' : 'LAST'}`)
    .join(', ');
}

/** A limit composed with the limits right below it (offsets add, row counts take the smaller), and what they read. */
function limitChain(n: Node<'limit'>, ctx: Context): { limit: number | null; offset: number; below: PlanNode } {
  let limit = n.args.limit;
  let offset = n.args.offset;
  let below: PlanNode = n.inputs[0];
  while (below.kind === 'limit' && !ctx.stopped(below)) {
    const inner = below.args;
    const rest = inner.limit === null ? null : Math.max(inner.limit - offset, 0);
    limit = rest === null ? limit : limit === null ? rest : Math.min(rest, limit);
    offset += inner.offset;
    below = below.inputs[0];
  }
  return { limit, offset, below };
}

/**
 * LIMIT over a sort, as one ORDER BY ... LIMIT ... OFFSET. SQL keeps no row order
 * between queries, and picks any of the rows tied on the sort keys, where Tessera keeps
 * the first in input order: so the sort must order every column (rows tied on all of
 * them are equal), unless the limit keeps no row or every row.
 */
function limitSql(n: Node<'limit'>, ctx: Context): string {
  const { limit, offset, below } = limitChain(n, ctx);
  if (limit === 0 || (limit === null && offset === 0)) {
    const [item, q] = ctx.from(below);
    const order = limit === 0 ? { column: '', orderBy: '' } : keptOrder(n, below, q, ctx);
    return `SELECT ${columnList(n, q)}${order.column} FROM ${item}${order.orderBy}${limit === 0 ? ' LIMIT 0' : ''}`;
  }
  if (below.kind !== 'sort') {
    throw new SqlUnsupportedError('limit', `its input (${below.kind}) has no defined row order in SQL, so SQL would keep other rows; put the limit right after an orderBy`);
  }
  if (ctx.stopped(below)) throw new SqlUnsupportedError('limit', 'the sort before it is computed apart from it, and SQL keeps no row order between queries');
  const keyed = new Set(below.args.keys.flatMap((k) => (k.expr.kind === 'column' ? [k.expr.name] : [])));
  const unordered = fieldsOf(below, 'limit').filter((f) => !keyed.has(f.name));
  if (unordered.length > 0) {
    throw new SqlUnsupportedError(
      'limit',
      `the sort before it does not order column${unordered.length > 1 ? 's' : ''} ${unordered.map((f) => `'${f.name}'`).join(', ')}: SQL may keep other rows among those tied on the sort keys (Tessera keeps the first in input order); add ${unordered.length > 1 ? 'them' : 'it'} as sort keys`,
    );
  }
  const [item, q] = ctx.from(below.inputs[0]);
  const keys = orderBy(below, q);
  const number = ctx.isRoot(n) ? '' : `, row_number() OVER (ORDER BY ${keys}) AS ${ORDER}`;
  return `SELECT ${columnList(n, q)}${number} FROM ${item} ORDER BY ${keys}${limit === null ? '' : ` LIMIT ${limit}`}${offset > 0 ? ` OFFSET ${offset}` : ''}`;
}

function joinSql(n: Node<'join'>, ctx: Context): string {
  const { how, leftKeys, rightKeys } = n.args;
  const [leftItem, l] = ctx.from(n.inputs[0]);
  const [rightItem, r] = ctx.from(n.inputs[1]);
  const on = leftKeys.map((k, i) => `${qualified(l, k)} = ${qualified(r, rightKeys[i])}`).join(' AND ');
  if (how === 'semi' || how === 'anti') {
    // EXISTS: a left row is kept (semi) or dropped (anti) once whatever its matches; null keys match nothing.
    return `SELECT ${columnList(n, l)} FROM ${leftItem} WHERE ${how === 'anti' ? 'NOT ' : ''}EXISTS (SELECT 1 FROM ${rightItem} WHERE ${on})`;
  }
  const left = fieldsOf(n.inputs[0], 'join');
  const right = fieldsOf(n.inputs[1], 'join');
  const merged = new Map(rightKeys.flatMap((k, i) => (leftKeys[i] === k ? [[k, i] as const] : [])));
  const leftNames = new Set(left.map((f) => f.name));
  const out = joinOutputFields({ fields: left }, { fields: right }, n.args);
  const list = out.map((f) => {
    const i = merged.get(f.name);
    if (!leftNames.has(f.name)) return `${qualified(r, f.name)} AS ${quoteIdentifier(f.name)}`;
    if (i === undefined || how === 'inner' || how === 'left') return `${qualified(l, f.name)} AS ${quoteIdentifier(f.name)}`;
    // USING semantics: a right or full join's merged key is the right key where no left row matched.
    const ld = left.find((x) => x.name === f.name)!.dtype;
    const rd = right.find((x) => x.name === rightKeys[i])!.dtype;
    const common = commonDType(ld, rd)!;
    const pick = `COALESCE(${qualified(l, f.name)}, ${qualified(r, rightKeys[i])})`;
    return `${ld === common && rd === common ? pick : castSql(pick, common)} AS ${quoteIdentifier(f.name)}`;
  });
  const kind = { inner: 'INNER', left: 'LEFT', right: 'RIGHT', full: 'FULL OUTER' }[how];
  return `SELECT ${list.join(', ')} FROM ${leftItem} ${kind} JOIN ${rightItem} ON ${on}`;
}
