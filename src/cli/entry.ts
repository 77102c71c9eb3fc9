/**
 * First module of the `ykt` process: size libuv's thread pool before anything uses it (the PC/SC
 * addon's blocking calls run on the pool; see drivers/pcsc/threadpool.ts). ESM evaluates imports in
 * order, so ykt.ts imports this first.
 */
import { ensureThreadpoolSize } from '../../drivers/pcsc/threadpool';

ensureThreadpoolSize();
