import { tempDir } from '../journal/testing/tmp';
import { backendStoreSuite } from './store-suite';
import { createSqliteStore } from './sqlite-store';

const tmp = tempDir('ykt-backend-sqlite-');
let n = 0;

backendStoreSuite('SQLite', {
  async create() {
    const s = createSqliteStore(tmp.path(`backend-${++n}.sqlite`));
    await s.migrate();
    return s;
  },
  async dispose() {
    tmp.cleanup();
  },
});
