import { describe, expect, it } from 'vitest';
import { currentThreadpoolSize, ensureThreadpoolSize, pcscThreadsNeeded, recommendedThreadpoolSize } from './threadpool';

describe('thread pool sizing', () => {
  it('counts the watcher plus a wedged transmit and a connect per reader', () => {
    expect(pcscThreadsNeeded(2)).toBe(5);
    expect(recommendedThreadpoolSize(2)).toBe(9);
    expect(recommendedThreadpoolSize()).toBe(13);
  });

  it('raises UV_THREADPOOL_SIZE, never lowers it, and reads libuv’s default of 4', () => {
    const env: NodeJS.ProcessEnv = {};
    expect(currentThreadpoolSize(env)).toBe(4);
    expect(ensureThreadpoolSize(9, env)).toBe(9);
    expect(env.UV_THREADPOOL_SIZE).toBe('9');
    env.UV_THREADPOOL_SIZE = '32';
    expect(ensureThreadpoolSize(9, env)).toBe(32);
    env.UV_THREADPOOL_SIZE = 'lots';
    expect(currentThreadpoolSize(env)).toBe(4);
    expect(ensureThreadpoolSize(5000, {})).toBe(1024);
  });
});
