// Random differential cases: filter / project. Seeds 100_000 and up; DIFF_SEED=<n> reruns one, DIFF_SCALE=<k> runs k times as many.
import { genFilterProject } from './generate.js';
import { describeFamily } from './harness.js';

describeFamily('filter / project', 'test/differential/filter-project.test.ts', 100_000, 80, genFilterProject);
