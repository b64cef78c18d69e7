import { PlanError, TypeMismatchError } from '../errors.js';
import { type ColumnType, type DType, commonDType, formatColumnType, isInteger } from '../types/dtype.js';
import { type Field, type RelationSchema, fieldNames, requireField, requireUniqueNames } from '../types/schema.js';
import { type AggregateExpr, aggregateKey, aggregateToString } from './aggregate.js';
import { type ExprNode, checkExpr, exprKey, exprToString } from './expr.js';
import type { JoinKind } from '../types/join.js';
import { type OperatorDefs, type OutputType, relationSchema } from './node.js';
import type { TableSource } from './source.js';
import { listText } from './text.js';

/** Arguments of the relational operators. */
export interface RelationalArgs {
  scan: { readonly source: TableSource; readonly columns: readonly string[] | null };
  filter: { readonly predicate: ExprNode };
  project: { readonly columns: readonly NamedExpr[] };
  join: { readonly how: JoinKind; readonly leftKeys: readonly string[]; readonly rightKeys: readonly string[] };
  aggregate: { readonly groupBy: readonly string[]; readonly aggregates: readonly NamedAggregate[] };
  sort: { readonly keys: readonly SortKey[] };
  limit: { readonly limit: number | null; readonly offset: number };
  distinct: Record<string, never>;
  union: Record<string, never>;
}

export interface NamedExpr {
  readonly name: string;
  readonly expr: ExprNode;
}
export interface NamedAggregate {
  readonly name: string;
  readonly aggregate: AggregateExpr;
}
export interface SortKey {
  readonly expr: ExprNode;
  readonly descending: boolean;
  /** SQL default here, as in DuckDB: nulls last for both directions. */
  readonly nullsFirst: boolean;
}

const relation = (schema: RelationSchema): OutputType => ({ kind: 'relation', schema });

/** Keeps a primary key only when all its columns survive unchanged. */
function keepKey(key: readonly string[] | undefined, surviving: ReadonlySet<string>): readonly string[] | undefined {
  return key && key.every((k) => surviving.has(k)) ? key : undefined;
}

function joinKeyClass(d: DType): string {
  return isInteger(d) ? 'integer' : d;
}

/**
 * The output fields of a join; right keys named like their left key are merged (USING
 * semantics). Outer joins make the columns of the side that may be missing nullable. A
 * merged key of a right or full join holds the right key where no left row matched, so
 * it has both keys' common type (int32 with int64 is int64) and is nullable where the
 * side it may come from is (right: the right key; full: either).
 */
export function joinOutputFields(left: RelationSchema, right: RelationSchema, args: RelationalArgs['join']): Field[] {
  const { how } = args;
  if (how === 'semi' || how === 'anti') return [...left.fields];
  const mergedWith = new Map(args.rightKeys.flatMap((k, i) => (args.leftKeys[i] === k ? [[k, i] as const] : [])));
  const leftNames = new Set(fieldNames(left));
  const outerLeft = how === 'right' || how === 'full';
  const fields: Field[] = left.fields.map((f) => {
    if (!outerLeft) return f;
    const i = mergedWith.get(f.name);
    if (i === undefined) return { ...f, nullable: true };
    const r = requireField(right, args.rightKeys[i], 'join (right key)');
    const dtype = commonDType(f.dtype, r.dtype) ?? f.dtype;
    return { ...f, dtype, nullable: how === 'full' ? f.nullable || r.nullable : r.nullable };
  });
  for (const f of right.fields) {
    if (mergedWith.has(f.name)) continue;
    if (leftNames.has(f.name)) {
      throw new PlanError('join', `column '${f.name}' exists on both sides; rename it on one side (select/withColumn) before joining`);
    }
    fields.push(how === 'left' || how === 'full' ? { ...f, nullable: true } : f);
  }
  return fields;
}

export const RELATIONAL_OPERATORS: OperatorDefs<RelationalArgs> = {
  scan: {
    name: 'Scan',
    arity: 0,
    derive({ source, columns }) {
      if (columns === null) return relation(source.schema);
      requireUniqueNames(columns, 'scan');
      const fields = columns.map((c) => requireField(source.schema, c, `scan ${source.name}`));
      return relation({ fields, primaryKey: keepKey(source.schema.primaryKey, new Set(columns)) });
    },
    label: ({ source, columns }) => `${source.name}${columns ? ` columns=[${listText(columns)}]` : ''}`,
    digest: ({ source, columns }) => [source.id, columns],
  },

  filter: {
    name: 'Filter',
    arity: 1,
    derive({ predicate }, inputs) {
      const schema = relationSchema(inputs[0], 'filter');
      checkExpr(predicate, schema, 'filter');
      if (predicate.type.dtype !== 'bool') {
        throw new TypeMismatchError('filter', `predicate ${exprToString(predicate)} is ${formatColumnType(predicate.type)}, expected bool`);
      }
      return relation(schema);
    },
    label: ({ predicate }) => exprToString(predicate),
    digest: ({ predicate }) => [exprKey(predicate)],
  },

  project: {
    name: 'Project',
    arity: 1,
    derive({ columns }, inputs) {
      const schema = relationSchema(inputs[0], 'project');
      requireUniqueNames(
        columns.map((c) => c.name),
        'project',
      );
      for (const c of columns) checkExpr(c.expr, schema, 'project');
      const passthrough = new Set(columns.filter((c) => c.expr.kind === 'column' && c.expr.name === c.name).map((c) => c.name));
      return relation({
        fields: columns.map((c) => ({ name: c.name, ...c.expr.type })),
        primaryKey: keepKey(schema.primaryKey, passthrough),
      });
    },
    label: ({ columns }) =>
      listText(
        columns.map((c) => (c.expr.kind === 'column' && c.expr.name === c.name ? c.name : `${c.name} := ${exprToString(c.expr)}`)),
        columns.some((c) => !(c.expr.kind === 'column' && c.expr.name === c.name)) ? Infinity : 12,
      ),
    digest: ({ columns }) => [columns.map((c) => [c.name, exprKey(c.expr)])],
  },

  join: {
    name: 'Join',
    arity: 2,
    derive(args, inputs) {
      const left = relationSchema(inputs[0], 'join');
      const right = relationSchema(inputs[1], 'join');
      if (args.leftKeys.length === 0 || args.leftKeys.length !== args.rightKeys.length) {
        throw new PlanError('join', `expected the same non-zero number of left and right keys, got [${args.leftKeys.join(', ')}] and [${args.rightKeys.join(', ')}]`);
      }
      args.leftKeys.forEach((lk, i) => {
        const l = requireField(left, lk, 'join (left key)');
        const r = requireField(right, args.rightKeys[i], 'join (right key)');
        if (joinKeyClass(l.dtype) !== joinKeyClass(r.dtype)) {
          throw new TypeMismatchError('join', `key '${lk}' is ${l.dtype} on the left but '${r.name}' is ${r.dtype} on the right`);
        }
      });
      const fields = joinOutputFields(left, right, args);
      // A join on the right side's whole primary key (a PK-FK join) keeps the left side's key.
      const rightPk = right.primaryKey;
      const onRightPk = !!rightPk && rightPk.length === args.rightKeys.length && rightPk.every((k) => args.rightKeys.includes(k));
      // (Not for right and full joins: their unmatched right rows have no left key.)
      const keepsLeftKey = args.how === 'semi' || args.how === 'anti' || (onRightPk && (args.how === 'inner' || args.how === 'left'));
      const primaryKey = keepsLeftKey ? left.primaryKey : undefined;
      return relation({ fields, primaryKey });
    },
    label: ({ how, leftKeys, rightKeys }) =>
      `${how} on ${leftKeys.map((k, i) => (k === rightKeys[i] ? k : `${k} = ${rightKeys[i]}`)).join(', ')}`,
    digest: ({ how, leftKeys, rightKeys }) => [how, leftKeys, rightKeys],
  },

  aggregate: {
    name: 'Aggregate',
    arity: 1,
    derive({ groupBy, aggregates }, inputs) {
      const schema = relationSchema(inputs[0], 'aggregate');
      const keys = groupBy.map((g) => requireField(schema, g, 'aggregate (group by)'));
      for (const a of aggregates) if (a.aggregate.arg) checkExpr(a.aggregate.arg, schema, 'aggregate');
      const names = [...groupBy, ...aggregates.map((a) => a.name)];
      requireUniqueNames(names, 'aggregate');
      const fields: Field[] = [...keys, ...aggregates.map((a) => ({ name: a.name, ...a.aggregate.type }))];
      return relation({ fields, primaryKey: groupBy.length > 0 ? groupBy : undefined });
    },
    label: ({ groupBy, aggregates }) =>
      `by [${groupBy.join(', ')}] ${aggregates.map((a) => `${a.name} := ${aggregateToString(a.aggregate)}`).join(', ')}`,
    digest: ({ groupBy, aggregates }) => [groupBy, aggregates.map((a) => [a.name, aggregateKey(a.aggregate)])],
  },

  sort: {
    name: 'Sort',
    arity: 1,
    derive({ keys }, inputs) {
      const schema = relationSchema(inputs[0], 'sort');
      if (keys.length === 0) throw new PlanError('sort', 'expected at least one sort key');
      for (const k of keys) checkExpr(k.expr, schema, 'sort');
      return relation(schema);
    },
    label: ({ keys }) => keys.map(sortKeyToString).join(', '),
    digest: ({ keys }) => [keys.map((k) => [exprKey(k.expr), k.descending, k.nullsFirst])],
  },

  limit: {
    name: 'Limit',
    arity: 1,
    derive({ limit, offset }, inputs) {
      const schema = relationSchema(inputs[0], 'limit');
      if (limit !== null && (!Number.isInteger(limit) || limit < 0)) throw new PlanError('limit', `expected a non-negative integer limit, got ${limit}`);
      if (!Number.isInteger(offset) || offset < 0) throw new PlanError('limit', `expected a non-negative integer offset, got ${offset}`);
      return relation(schema);
    },
    label: ({ limit, offset }) => `${limit ?? 'all'}${offset ? ` offset ${offset}` : ''}`,
    digest: ({ limit, offset }) => [limit, offset],
  },

  distinct: {
    name: 'Distinct',
    arity: 1,
    derive(_args, inputs) {
      const schema = relationSchema(inputs[0], 'distinct');
      return relation({ fields: schema.fields, primaryKey: fieldNames(schema) });
    },
    label: () => '',
    digest: () => [],
  },

  union: {
    name: 'UnionAll',
    arity: 2,
    derive(_args, inputs) {
      const a = relationSchema(inputs[0], 'union');
      const b = relationSchema(inputs[1], 'union');
      const describe = (s: RelationSchema) => s.fields.map((f) => `${f.name}: ${formatColumnType(f)}`).join(', ');
      if (a.fields.length !== b.fields.length || a.fields.some((f, i) => f.name !== b.fields[i].name || f.dtype !== b.fields[i].dtype)) {
        throw new TypeMismatchError('union', `inputs have different columns: [${describe(a)}] and [${describe(b)}]`);
      }
      const fields = a.fields.map((f, i): Field => ({ ...f, nullable: f.nullable || b.fields[i].nullable }));
      return relation({ fields });
    },
    label: () => '',
    digest: () => [],
  },
};

export function sortKeyToString(k: SortKey): string {
  return `${exprToString(k.expr)} ${k.descending ? 'DESC' : 'ASC'}${k.nullsFirst ? ' NULLS FIRST' : ''}`;
}

export type { ColumnType, JoinKind };
