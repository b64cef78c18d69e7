// A CommonJS user: require('tessera') loads the ES module (Node >= 20.19).
const { count, fromColumns } = require('tessera');

fromColumns({ k: ['a', 'b', 'a'] })
  .groupBy('k')
  .agg(() => ({ n: count() }))
  .orderBy('k')
  .collectRows()
  .then((rows) => console.log(JSON.stringify(rows)));
