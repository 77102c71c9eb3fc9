/**
 * libuv's thread pool and the PC/SC addon. The smartcard addon runs SCardGetStatusChange (the device
 * watcher), SCardConnect and SCardTransmit on libuv's pool (N-API AsyncWorker). A native call that
 * hangs — a silent card, a wedged reader, a stuck pcscd — holds its pool thread until it returns, and
 * the pool (4 threads by default) is shared with fs, dns.lookup, zlib and crypto's async functions.
 * With the watcher holding one thread and one wedged transmit per reader, two readers would starve
 * the rest of the process. So the runtime sizes the pool.
 *
 * UV_THREADPOOL_SIZE is read once, when the pool is first used (the first async fs/dns/crypto call or
 * addon worker), not at process start. So setting process.env.UV_THREADPOOL_SIZE from JavaScript works
 * if it happens before any of those: the terminal's entry point (src/cli/ykt.ts, via the runtime)
 * must call ensureThreadpoolSize() in a module imported FIRST (ESM evaluates imports in order), or the
 * service launcher sets the variable in the environment (systemd: Environment=UV_THREADPOOL_SIZE=16).
 */

/** Threads the PC/SC driver may hold at worst: the watcher, plus a wedged transmit and a connect per reader. */
export function pcscThreadsNeeded(readers: number): number {
  return 1 + 2 * Math.max(0, readers);
}

/** Default pool size for a terminal: libuv's own 4 for everything else, plus the PC/SC worst case. */
export function recommendedThreadpoolSize(readers = 4): number {
  return Math.min(1024, 4 + pcscThreadsNeeded(readers));
}

/** The pool size this process has (or will have, if the pool is not used yet). */
export function currentThreadpoolSize(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.UV_THREADPOOL_SIZE);
  return Number.isInteger(n) && n > 0 ? Math.min(n, 1024) : 4;
}

/**
 * Raise UV_THREADPOOL_SIZE to at least `min` (never lowers an operator's larger value). Effective only
 * before the pool's first use — call it at the very start of the process. Returns the size set.
 */
export function ensureThreadpoolSize(min = recommendedThreadpoolSize(), env: NodeJS.ProcessEnv = process.env): number {
  const size = Math.max(currentThreadpoolSize(env), Math.min(1024, min));
  env.UV_THREADPOOL_SIZE = String(size);
  return size;
}
