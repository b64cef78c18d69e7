// Random differential cases: scalar functions (isIn, like, startsWith/endsWith/contains, date parts), deviations, right/full joins, UNION. Seeds 600_000 and up; DIFF_SEED=<n> reruns one, DIFF_SCALE=<k> runs k times as many.
import { genFunctions } from './generate.js';
import { describeFamily } from './harness.js';

describeFamily('scalar functions, deviations, outer joins, union', 'test/differential/functions.test.ts', 600_000, 100, genFunctions);
