import type { JoinKind } from '../plan/relational-operators.js';
import type { AsNullable, BaseOf, ColSpec, IsNullable, SchemaSpec, WithNullability } from '../types/dtype.js';
import type { NumericDType } from '../types/dtype.js';
import type { Agg, Expr, Sort } from './expr.js';

/**
 * The compile-time side of `Relation<S>` (./relation.ts): the row of typed column
 * expressions a callback receives, the schemas of joins, selections and aggregates,
 * and the feature specs `toMatrix` accepts.
 */

export type Simplify<T> = { [K in keyof T]: T[K] } & {};
export type SpecOf<V> = V extends Expr<infer C> ? C : V extends Agg<infer C> ? C : never;
export type Names<S> = keyof S & string;

/** The columns of a relation as typed expressions; untyped sources (no declared schema) accept any name. */
export type Row<S extends SchemaSpec> = string extends keyof S
  ? { readonly [name: string]: Expr<any> }
  : { readonly [K in Names<S>]: Expr<S[K]> };

export type NullableAll<S> = { [K in keyof S]: S[K] extends ColSpec ? AsNullable<S[K]> : never };
/** A merged key of a right or full join: both sides' values, in their common type (int32 with int64 is int64). */
export type MergedKeySpec<A extends ColSpec, B extends ColSpec, Nullable extends boolean> = WithNullability<BaseOf<A> extends BaseOf<B> ? BaseOf<A> : 'int64', Nullable>;
export type OuterMergedKeys<L extends SchemaSpec, R extends SchemaSpec, K extends string, How extends JoinKind> = {
  [N in K & keyof L & keyof R]: MergedKeySpec<L[N], R[N], How extends 'full' ? (IsNullable<L[N]> extends true ? true : IsNullable<R[N]>) : IsNullable<R[N]>>;
};
/**
 * The columns of a join: the left ones, then the right ones but for merged keys. An outer
 * join makes the other side's columns nullable (left: the right ones; right: the left
 * ones; full: both); a merged key of a right or full join holds the right key where no
 * left row matched.
 */
export type JoinResult<L extends SchemaSpec, R extends SchemaSpec, K extends string, How extends JoinKind> = How extends 'semi' | 'anti'
  ? L
  : How extends 'right' | 'full'
    ? Simplify<NullableAll<Omit<L, K>> & OuterMergedKeys<L, R, K, How> & (How extends 'full' ? NullableAll<Omit<R, K>> : Omit<R, K>)>
    : Simplify<L & (How extends 'left' ? NullableAll<Omit<R, K>> : Omit<R, K>)>;

export type KeyClass<C extends ColSpec> = BaseOf<C> extends 'int32' | 'int64' ? 'integer' : BaseOf<C>;
export type MismatchedKeys<L extends SchemaSpec, R extends SchemaSpec, K extends keyof L & keyof R> = {
  [N in K]: KeyClass<L[N]> extends KeyClass<R[N]> ? never : N;
}[K];
/** Extra, impossible-to-pass argument that turns a bad join into a compile error with a readable name (untyped sources are not checked). */
export type JoinCheck<L extends SchemaSpec, R extends SchemaSpec, K extends keyof L & keyof R & string> = string extends Names<L> | Names<R>
  ? []
  : [Exclude<Names<L> & Names<R>, K>] extends [never]
    ? [MismatchedKeys<L, R, K>] extends [never]
      ? []
      : [error: `join key '${MismatchedKeys<L, R, K> & string}' has different types on the two sides`]
    : [error: `column '${Exclude<Names<L> & Names<R>, K>}' exists on both sides: rename one before joining`];

/** The right keys of `joinOn` merged with the left key at the same position (same name); see joinOutputFields. */
export type MergedKeys<LK extends readonly string[], RK extends readonly string[]> = number extends LK['length'] | RK['length']
  ? RK[number] & LK[number]
  : { [I in keyof RK]: I extends keyof LK ? (RK[I] extends LK[I] ? (LK[I] extends RK[I] ? RK[I] : never) : never) : never }[number];
/** Key positions (as text) whose left and right columns cannot be compared. */
export type MismatchedKeyPairs<L extends SchemaSpec, R extends SchemaSpec, LK extends readonly string[], RK extends readonly string[]> = {
  [I in keyof LK & `${number}`]: I extends keyof RK ? (KeyClass<L[LK[I]]> extends KeyClass<R[RK[I] & Names<R>]> ? never : `${LK[I]}' = '${RK[I] & string}`) : never;
}[keyof LK & `${number}`];
/** Extra, impossible-to-pass argument that turns a bad `joinOn` into a compile error with a readable message. */
export type JoinOnCheck<L extends SchemaSpec, R extends SchemaSpec, LK extends readonly Names<L>[], RK extends readonly Names<R>[], How extends JoinKind> = [LK] extends [never]
  ? [] // keys cast to never: nothing to check
  : [RK] extends [never]
    ? []
    : LK['length'] extends 0
      ? [error: 'joinOn needs at least one key']
      : [LK['length'], RK['length']] extends [RK['length'], LK['length']]
        ? [MismatchedKeyPairs<L, R, LK, RK>] extends [never]
          ? JoinOnCollision<L, R, MergedKeys<LK, RK>, How>
          : [error: `join keys '${MismatchedKeyPairs<L, R, LK, RK>}' have different types on the two sides`]
        : [error: 'joinOn needs as many left keys as right keys'];
/** Columns on both sides other than merged keys are a PlanError (semi/anti joins output the left side only; untyped sources are not checked). */
export type JoinOnCollision<L extends SchemaSpec, R extends SchemaSpec, M extends string, How extends JoinKind> = How extends 'semi' | 'anti'
  ? []
  : string extends Names<L> | Names<R>
    ? []
    : [Exclude<Names<L> & Names<R>, M>] extends [never]
      ? []
      : [error: `column '${Exclude<Names<L> & Names<R>, M>}' exists on both sides and is not a merged key: rename one before joining`];

export type SortSpec = Sort | Expr<any>;

/**
 * Names of the columns whose spec is one of D, nullability included (a 'float64?' column is
 * not a NamesOfType<S, 'float64'>); any name for an untyped source (no declared schema).
 */
export type NamesOfType<S extends SchemaSpec, D extends ColSpec> = string extends Names<S> ? string : { [K in Names<S>]: S[K] extends D ? K : never }[Names<S>];
/**
 * One feature of `toMatrix`: a numeric/bool column as is, or an encoded column.
 * - numeric and `standardize` features need values in every row (a null is an
 *   ExecutionError when the plan runs), so only non-nullable numeric/bool columns are
 *   accepted: `coalesce` a nullable column first (`withColumn('x', r => r.x.coalesce(0))`);
 *   a filter on `isNotNull()` leaves the column nullable, in its type and in the plan;
 * - `standardize` scales by the mean and the population standard deviation (divided by
 *   n, as scikit-learn's StandardScaler) of the rows encoded; a constant column (sd 0)
 *   is only centred;
 * - `onehot` takes a string column, nullable or not: a null row, like a value outside
 *   `categories`, encodes as an all-zero row of the feature's block. `categories`
 *   defaults to the values the source lists, in its order. With an intercept (or a
 *   second one-hot feature) the block's columns sum to the intercept in every row,
 *   so XᵀX is singular: `dropFirst: true` (or `reference: 'value'`) leaves one
 *   category out, the baseline whose rows encode all-zero;
 * - `hash` takes any column, into at most 2^24 buckets; a null row is all zero as well.
 */
export type FeatureInput<S extends SchemaSpec> =
  | NamesOfType<S, NumericDType | 'bool'>
  | { readonly standardize: NamesOfType<S, NumericDType | 'bool'> }
  | { readonly onehot: NamesOfType<S, 'string' | 'string?'>; readonly categories?: readonly string[]; readonly dropFirst?: boolean; readonly reference?: string }
  | { readonly hash: Names<S>; readonly buckets: number };
/** Statically known column count: only when every feature is a plain numeric column. */
export type FeatureCols<F extends readonly unknown[], I> = F extends readonly string[] ? (I extends true ? [...F, 'intercept']['length'] : F['length']) : number;
export type MatrixColumnsSchema<N extends readonly string[]> = { [K in N[number]]: 'float64' };
