/** Firmware updates: signed images, A/B slots, health check, rollback (see README.md, docs/firmware.md). */
export { FirmwareError, type FirmwareErrorKind } from './errors';
export { canonicalJson, canonicalBytes } from './canonical-json';
export { compareVersions, parseVersion } from './version';
export {
  parseMetadata,
  verifyRole,
  signMetadata,
  addSignatures,
  SPEC_VERSION,
  type RootSigned,
  type TargetsSigned,
  type TimestampSigned,
  type Target,
  type Metadata,
} from './metadata';
export { updateTrust, updateRoot, trustPinnedRoot, trustedTime, type TrustedState, type MetadataBundle } from './trust';
export { loadTrust, saveTrust } from './trust-store';
export { readTar, writeTar, DEFAULT_TAR_LIMITS, type TarEntry, type TarLimits } from './tar';
export { packImage, parseImage, parseManifest, IMAGE_FORMAT, type ImageManifest, type ParsedImage } from './image';
export { readState, writeState, slotDir, type SlotName, type SlotState } from './slots';
export { checkSlot } from './slot-files';
export { runHealthChecks, realTimer, type HealthCheck, type HealthResult, type HealthReport, type Timer } from './health';
export { journalCheck, devicesCheck, backendCheck } from './checks';
export { sqliteJournalGuard, judgeTrialJournal, type JournalGuard } from './journal-guard';
export { TransactionGate, UpdatingError, runtimeStopped, commandQuiesce, type Quiesce, type DrainReport } from './quiesce';
export { commandRuntime, HEALTH_LINE_PREFIX, type RuntimeHost, type RuntimeHandle, type SlotRef } from './runtime-host';
export { dirSource, type RepositorySource } from './source';
export { checkUpdate, checkMetadata, chooseTarget } from './update-check';
export { installUpdate, type InstallOptions, type InstallOutcome, type InstallPoint } from './installer';
export { recoverAtBoot, rollbackToOther, type BootResult } from './boot';
export { firmwareConfigSchema, firmwareConfigDefaults, parseFirmwareConfig, type FirmwareConfig } from './config';
export { initRepository, rotateRoot, addTargets, publishTimestamp, buildRoot, DEFAULT_EXPIRY_MS } from './repository';
export { loadKeyFile, newKeyPair, keyFileJson, type KeyPair } from './keys';
