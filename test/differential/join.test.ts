// Random differential cases: joins (inner, left, right, full, semi, anti). Seeds 200_000 and up; DIFF_SEED=<n> reruns one, DIFF_SCALE=<k> runs k times as many.
import { genJoin } from './generate.js';
import { describeFamily } from './harness.js';

describeFamily('joins (inner, left, right, full, semi, anti)', 'test/differential/join.test.ts', 200_000, 120, genJoin);
