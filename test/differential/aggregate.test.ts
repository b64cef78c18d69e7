// Random differential cases: group-by and global aggregates. Seeds 300_000 and up; DIFF_SEED=<n> reruns one, DIFF_SCALE=<k> runs k times as many.
import { genAggregate } from './generate.js';
import { describeFamily } from './harness.js';

describeFamily('group-by and global aggregates', 'test/differential/aggregate.test.ts', 300_000, 90, genAggregate);
