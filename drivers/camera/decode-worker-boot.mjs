// Worker bootstrap (plain JS so that Node can start it without a TypeScript loader): when running
// from sources (tests, tsx), load tsx's loader in this worker thread first, then the TypeScript entry.
// A bundled build starts decode-worker.js directly and never uses this file.
import { workerData } from 'node:worker_threads';

const { entry } = workerData;
if (entry.endsWith('.ts')) {
  const { tsImport } = await import('tsx/esm/api');
  await tsImport(entry, import.meta.url);
} else {
  await import(entry);
}
