/**
 * Run in a process of its own by artefact.test.ts: loads an artefact (no training data
 * here), scores the rows of a JSON file one by one and prints the outputs' float64 bits.
 */
import { readFileSync } from 'node:fs';
import { FittedPipeline } from '../../src/index.js';

const [artefact, rowsFile] = process.argv.slice(2);
const fitted = FittedPipeline.load(artefact);
const rows = JSON.parse(readFileSync(rowsFile, 'utf8')) as Record<string, unknown>[];
const bits = rows.map((r) => Array.from(fitted.predict(r) ?? [], (v) => Buffer.from(Float64Array.of(v).buffer).toString('hex')));
process.stdout.write(JSON.stringify(bits));
