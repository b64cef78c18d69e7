import { runMemoryChild } from './memory.js';

/** Entry of a peak-memory child process (see bench/memory.ts); started by the harness, not by hand. */
await runMemoryChild(process.argv.slice(2));
