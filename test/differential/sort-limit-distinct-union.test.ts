// Random differential cases: sort, limit/offset, distinct, union all. Seeds 400_000 and up; DIFF_SEED=<n> reruns one, DIFF_SCALE=<k> runs k times as many.
import { genSortEtc } from './generate.js';
import { describeFamily } from './harness.js';

describeFamily('sort, limit/offset, distinct, union all', 'test/differential/sort-limit-distinct-union.test.ts', 400_000, 80, genSortEtc);
