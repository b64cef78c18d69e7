export { type JoinIndices, type JoinMatches, hashJoin, joinIndices } from './hash-join.js';
export { type JoinHeads, joinHeads } from './join-heads.js';
export {
  type GroupedRows,
  countByGroup,
  countDistinctByGroup,
  countRowsByGroup,
  groupRows,
  maxByGroup,
  meanByGroup,
  minByGroup,
  sumByGroup,
} from './group-by.js';
export { type SortColumn, dictionaryRanks, sortIndices } from './sort.js';
export { distinctRows } from './distinct.js';
export { type DeviationOptions, deviationByGroup } from './deviation.js';
