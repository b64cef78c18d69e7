export { type ArrowSourceOptions, arrowTableSource, batchesToArrow } from './arrow.js';
export { type ColumnsSourceOptions, columnsSource } from './columns.js';
export { type CsvSourceOptions, csvSource } from './csv.js';
export { ipcSource } from './ipc.js';
export { type ParquetSourceOptions, parquetSource } from './parquet.js';
