/**
 * The DuckDBQuery operator (src/physical/sql-engine.ts): copies its inputs into
 * temporary tables on the caller's DuckDB connection, runs the compiled query, reads
 * the result back as columns and checks it against the plan's schema, then drops the
 * tables. Runs on one connection take turns, since they share the tables' names. DuckDB
 * is reached only through the connection the caller passed (src/io/duckdb.ts).
 */
import type { Batch } from '../../data/batch.js';
import { ExecutionError, TesseraError } from '../../errors.js';
import { type DuckDBConnectionLike, duckdbSource, quoteIdentifier, writeDuckDBTable } from '../../io/duckdb.js';
import type { PhysicalNode } from '../../physical/plan.js';
import type { RelationalEngine } from '../../physical/sql-engine.js';
import { formatColumnType } from '../../types/dtype.js';
import type { RelationSchema } from '../../types/schema.js';
import type { OperatorRun } from '../run-context.js';

/** The last piece of work queued on each connection. */
const turns = new WeakMap<DuckDBConnectionLike, Promise<unknown>>();

/** Runs `work` once the connection's earlier work is done. */
function onConnection<T>(connection: DuckDBConnectionLike, work: () => Promise<T>): Promise<T> {
  const previous = turns.get(connection) ?? Promise.resolve();
  const next = previous.then(work, work);
  turns.set(connection, next.catch(() => undefined));
  return next;
}

function schemaOf(node: PhysicalNode): RelationSchema {
  if (node.logical.output.kind !== 'relation') throw new ExecutionError(node.operator, 'expected a relation');
  return node.logical.output.schema;
}

/** The result of `node`'s query over its inputs' batches (one list per input, in order). */
export async function runSqlQuery(node: PhysicalNode, inputs: readonly (readonly Batch[])[], engine: RelationalEngine | undefined, run: OperatorRun): Promise<readonly Batch[]> {
  const query = node.sql;
  if (!query) throw new ExecutionError(node.operator, 'expected a SQL query');
  if (!engine?.duckdb) throw new ExecutionError(node.operator, 'the physical plan runs SQL on DuckDB, but the run was given no relationalEngine: { duckdb: connection }');
  const connection = engine.duckdb;
  const expected = schemaOf(node);
  return onConnection(connection, async () => {
    const created: string[] = [];
    try {
      for (const [i, batches] of inputs.entries()) {
        run.checkCancelled();
        const table = query.inputTables[i];
        created.push(table);
        await writeDuckDBTable(connection, table, schemaOf(node.inputs[i]), batches, { mode: 'replace', temporary: true });
      }
      run.checkCancelled();
      let source;
      try {
        source = await duckdbSource(connection, query.sql, { name: node.operator });
      } catch (e) {
        if (e instanceof TesseraError) throw new ExecutionError(node.operator, `DuckDB failed: ${e.message}\nSQL: ${query.sql}`);
        throw e;
      }
      const got = source.schema.fields;
      expected.fields.forEach((f, c) => {
        const g = got[c];
        if (!g || g.name !== f.name || g.dtype !== f.dtype || (g.nullable && !f.nullable)) {
          const what = g ? `'${g.name}' ${formatColumnType(g)}` : 'nothing';
          throw new ExecutionError(node.operator, `DuckDB returned ${what} as column ${c + 1}, where the plan has '${f.name}' ${formatColumnType(f)}`);
        }
      });
      if (got.length !== expected.fields.length) throw new ExecutionError(node.operator, `DuckDB returned ${got.length} columns, where the plan has ${expected.fields.length}`);
      return source.load(expected.fields.map((f) => f.name));
    } finally {
      for (const table of created) await connection.run(`DROP TABLE IF EXISTS temp.main.${quoteIdentifier(table)}`);
    }
  });
}
