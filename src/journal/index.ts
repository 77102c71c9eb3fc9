/** The journal's public surface (see README.md and docs/journal.md). */
export { openJournal, readJournalTerminalId, Journal, type OpenJournalOptions, type JournalStatus, type SyncPosition, type UploadSlice, type VerifyReport } from './journal';
export type { RecordInput, RecordType, JournalRecord, AppendReceipt } from './record';
export { JournalUnavailableError, JournalInputError, type OutOfServiceReason } from './errors';
export { createTokeniser, isClearIdentifier, normaliseIdentifier, TOKEN_PATTERN, type Tokeniser, type TokenKind } from './tokenise';
export { seal, unseal, UnsealError, type PersonalData } from './seal';
export { loadKeystore, createKeystore, keystoreFromJson, generateKeystoreJson, type Keystore } from './keystore';
export { journalConfigSchema, journalConfigDefaults, offlineLimitsSchema, parseJournalConfig, type JournalConfig, type OfflineLimits } from './config';
export { checkOfflineLimits, type OfflineCheck, type OfflineExposure, type OfflineRefusalReason } from './offline-limits';
export { journalPersist, type KernelRecord } from './persist';
export { canonicalRecord, genesisHash, recordHash, verifyChain, type WireRecord, type RecordBody } from './chain';
export { formatPrometheus, type Metric } from './metric';
export { migrateSqlite, SchemaTooNewError, type SqliteMigration } from './migrate';
