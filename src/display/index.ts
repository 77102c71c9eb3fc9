/** The customer display and maintenance page (see README.md and docs/display.md). */
export { DisplayHub, ManualScheduler, realScheduler, loadClipIds, recentOf, type DisplayHubOptions, type Scheduler, type RecentDecision, type ViewListener } from './hub';
export { startDisplayServer, type DisplayServer, type DisplayServerOptions } from './server';
export { displayConfigSchema, displayConfigDefaults, parseDisplayConfig, type DisplayConfig } from './config';
export { EMPTY_SNAPSHOT, normaliseSnapshot, type MaintenanceSource, type MaintenanceSnapshot, type MaintenanceData, type DeviceStatus, type DeviceKind, type DeviceState, type ArtefactInfo, type SyncInfo } from './maintenance';
export { buildView, concessionText, type DisplayView, type DisplayRow, type ViewKind, type Tone, type Icon, type RowKey, type ViewContext } from './view';
export { plainReason, PLAIN_REASONS, GENERIC_REASON_ZH, type PlainReason } from './reasons';
export { PROMPTS, HEADLINES, LABELS, CONCESSIONS, SPOKEN_REASONS, type Bilingual } from './texts';
export { assetsDir, loadAssets } from './assets';
