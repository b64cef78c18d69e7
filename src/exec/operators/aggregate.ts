import type { Column } from '../../data/column.js';
import { type AggregateExpr, aggregateToString } from '../../plan/aggregate.js';
import {
  type GroupedRows,
  countByGroup,
  countDistinctByGroup,
  countRowsByGroup,
  deviationByGroup,
  maxByGroup,
  meanByGroup,
  minByGroup,
  sumByGroup,
} from '../../kernels/relational/index.js';

/**
 * One aggregate over grouped rows; `arg` is the evaluated argument (null for count(*)).
 * `name`, the output column, goes into errors (an integer sum beyond int64).
 */
export function computeAggregate(aggregate: AggregateExpr, arg: Column | null, groups: GroupedRows, name?: string): Column {
  const { groupIds, groupCount } = groups;
  if (arg === null) return countRowsByGroup(groupIds, groupCount);
  switch (aggregate.fn) {
    case 'count':
      return countByGroup(groupIds, groupCount, arg);
    case 'countDistinct':
      return countDistinctByGroup(groupIds, groupCount, arg);
    case 'sum':
      return sumByGroup(groupIds, groupCount, arg, `${aggregateToString(aggregate)}${name === undefined ? '' : ` AS ${name}`}`);
    case 'mean':
      return meanByGroup(groupIds, groupCount, arg);
    case 'min':
      return minByGroup(groupIds, groupCount, arg);
    case 'max':
      return maxByGroup(groupIds, groupCount, arg);
    case 'stddev':
    case 'variance':
    case 'stddevPop':
    case 'variancePop':
      return deviationByGroup(groupIds, groupCount, arg, { sample: aggregate.fn === 'stddev' || aggregate.fn === 'variance', sqrt: aggregate.fn === 'stddev' || aggregate.fn === 'stddevPop' });
  }
}
