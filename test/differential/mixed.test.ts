// Random differential cases: mixed pipelines of 3-5 operators. Seeds 500_000 and up; DIFF_SEED=<n> reruns one, DIFF_SCALE=<k> runs k times as many.
import { genMixed } from './generate.js';
import { describeFamily } from './harness.js';

describeFamily('mixed pipelines of 3-5 operators', 'test/differential/mixed.test.ts', 500_000, 150, genMixed);
