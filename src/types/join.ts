/**
 * The equi-joins Tessera plans and runs: inner, left, right and full outer, semi
 * (EXISTS) and anti (NOT EXISTS). Null keys never match; outer joins keep the rows
 * they leave unmatched, with nulls for the other side's columns.
 */
export type JoinKind = 'inner' | 'left' | 'right' | 'full' | 'semi' | 'anti';
