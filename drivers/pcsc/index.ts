export { PcscReaderDriver, type PcscDriverOptions } from './pcsc-driver';
export { loadPcscAddon, MISSING_ADDON_MESSAGE } from './addon';
export { ensureThreadpoolSize, recommendedThreadpoolSize, currentThreadpoolSize, pcscThreadsNeeded } from './threadpool';
