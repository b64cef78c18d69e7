/** The equi-joins Tessera plans and runs: inner, left outer, semi (EXISTS) and anti (NOT EXISTS). */
export type JoinKind = 'inner' | 'left' | 'semi' | 'anti';
