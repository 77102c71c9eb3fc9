/**
 * Everything a profile needs, opened once from the config: keystore, journal (durable before any
 * decision is shown), tokeniser, signed downloads (hotlist, fares, CA keys, e-code trust and revocation
 * lists), the e-code verifier with its durable replay store, logger and metrics.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fromHex } from '../../apdu/hex';
import type { Clock } from '../core/clock';
import { systemClock } from '../core/clock';
import { ConfigError } from '../core/errors';
import { ARTEFACT_KINDS, ArtefactRegistry } from '../downloads/registry';
import { ArtefactStore } from '../downloads/store';
import { trustFromConfig } from '../downloads/config';
import { EcodeVerifier, SqliteEcodeStore, ecodeStorePath, revocationsArtefactSpec, trustListArtefactSpec } from '../ecode';
import { validateFareParameterSet, type FareParameters } from '../fares/params';
import type { HotlistIdKind } from '../hotlist/key';
import { storeHotlist, type HotlistAnswer, type HotlistLookup } from '../hotlist/lookup';
import { registerHotlistKind } from '../hotlist/register';
import { createKeystore, createTokeniser, loadKeystore, openJournal, type Journal, type Keystore, type Tokeniser } from '../journal';
import { loggerFromConfig } from '../log/from-config';
import type { Logger } from '../log/logger';
import { Registry, createTerminalMetrics, type TerminalMetrics } from '../metrics';
import { registerCapkKind } from '../pboc/capk/artefact';
import type { CapkStore } from '../pboc/capk/store';
import { VerifiedCache } from '../pboc/oda/cache';
import type { TerminalConfig } from './config';

export const SOFTWARE_VERSION = '0.1.0';

export interface Services {
  config: TerminalConfig;
  clock: Clock;
  log: Logger;
  registry: Registry;
  metrics: TerminalMetrics;
  keystore: Keystore;
  journal: Journal;
  tokenise: Tokeniser;
  /** Scheme parameter: card and e-code yield the same holder token (src/core/holder-token.ts). */
  holderTokenKey: Uint8Array;
  artefacts: ArtefactStore;
  hotlist: HotlistLookup;
  /** Hotlist check with the profile's stale policy applied: missing, corrupt or stale list → policy. */
  isHotlisted: (kind: HotlistIdKind, id: string) => boolean;
  isHotlistedKey: (key: string) => boolean;
  ecode: EcodeVerifier;
  /**
   * Anti-passback across card and code (卡码同权): the e-code store's durable holder memory. Returns
   * false when the holder passed within the window; records the passage when `record` and allowed.
   */
  passback: (holderToken: string, windowSeconds: number, record: boolean) => boolean;
  /** The fare/parameter set in force (downloaded), or undefined. */
  fares: () => FareParameters | undefined;
  capk: () => CapkStore | undefined;
  pbocCache: VerifiedCache;
  close(): Promise<void>;
}

export interface OpenServicesOptions {
  clock?: Clock;
  log?: Logger;
  /** Open the journal read-only (a firmware trial: no migrations before commit). */
  journalReadonly?: boolean;
}

const DEMO_HOLDER_TOKEN_KEY_NOTE = 'holderTokenKey is not configured';

export async function openServices(config: TerminalConfig, opts: OpenServicesOptions = {}): Promise<Services> {
  const clock = opts.clock ?? systemClock;
  const log = opts.log ?? loggerFromConfig(config.log, 'ykt', { clock });
  mkdirSync(config.terminal.dataDir, { recursive: true });

  const keystorePath = config.journal.keystorePath;
  let keystore: Keystore;
  if (!existsSync(keystorePath) && config.terminal.createKeystore) {
    mkdirSync(dirname(keystorePath), { recursive: true });
    keystore = createKeystore(keystorePath);
    log.warn('created a development keystore (terminal.createKeystore is on)', { path: keystorePath });
  } else keystore = loadKeystore(keystorePath);

  if (!config.holderTokenKey) throw new ConfigError('holderTokenKey', `${DEMO_HOLDER_TOKEN_KEY_NOTE}: set the scheme's holder-token key (hex) shared with the e-code platform`);
  const holderTokenKey = fromHex(config.holderTokenKey);

  const readonly = opts.journalReadonly ?? process.env.YKT_JOURNAL_READONLY === '1';
  mkdirSync(dirname(config.journal.path), { recursive: true });
  const journal = openJournal({ path: config.journal.path, terminalId: config.terminal.id, dataKey: keystore.dataKey, config: config.journal, clock, readonly });
  const tokenise = createTokeniser(keystore.tokenKey);

  const reg = new ArtefactRegistry();
  registerHotlistKind(reg, { dir: join(config.downloads.dataDir, 'hotlist'), ...config.downloads.hotlist });
  reg.register({ kind: ARTEFACT_KINDS.fares, description: 'fare and parameter set', maxPayloadBytes: 4 << 20, defaultMaxAgeMs: 30 * 86_400_000, validate: (p) => validateFareParameterSet(p) });
  registerCapkKind(reg);
  const roots = config.ecode.trustRoots.map((r) => ({ publicKey: fromHex(r.publicKey), label: r.label }));
  reg.register(trustListArtefactSpec(roots, config.ecode.trustListMaxAgeHours));
  reg.register(revocationsArtefactSpec(config.ecode.revocationListMaxAgeHours));
  mkdirSync(config.downloads.dataDir, { recursive: true });
  const artefacts = ArtefactStore.open({ dir: config.downloads.dataDir, registry: reg, trust: trustFromConfig(config.downloads), clock, clockSkewMs: config.downloads.clockSkewMs, maxAgeMs: config.downloads.maxAgeMs });
  const hotlist = storeHotlist(artefacts);
  const unusable = () => {
    const s = artefacts.status(ARTEFACT_KINDS.hotlist);
    return !!s.problem || s.stale || s.expired;
  };
  const declineUnknown = config.profile.staleHotlist === 'decline';
  /** A lookup's answer under the profile's stale policy: without a usable list, the policy decides. */
  const underPolicy = (a: HotlistAnswer): boolean => {
    if (a === 'listed') return true;
    if (a === 'not-listed' && !unusable()) return false;
    return declineUnknown;
  };

  const ecodeStore = new SqliteEcodeStore({ database: ecodeStorePath(config.ecode.dataDir) });
  const ecode = new EcodeVerifier({ config: config.ecode, clock, store: ecodeStore, holderTokenKey });

  const registry = new Registry();
  const metrics = createTerminalMetrics(registry, { terminalId: config.terminal.id, softwareVersion: SOFTWARE_VERSION });
  registry.addCollector(() => journal.metrics());

  const services: Services = {
    config,
    clock,
    log,
    registry,
    metrics,
    keystore,
    journal,
    tokenise,
    holderTokenKey,
    artefacts,
    hotlist,
    isHotlisted: (kind, id) => underPolicy(hotlist.check(kind, id)),
    isHotlistedKey: (key) => underPolicy(hotlist.checkKey(key)),
    ecode,
    passback: (holderToken, windowSeconds, record) => {
      if (windowSeconds <= 0) return true;
      const nowMs = clock.now();
      const r = ecodeStore.admit({ holderToken, profile: config.profile.ecodeProfile, passbackWindowMs: windowSeconds * 1000, nowMs, replayExpiresAtMs: nowMs }, record);
      return r === 'admitted';
    },
    fares: () => artefacts.get<FareParameters>(ARTEFACT_KINDS.fares)?.value,
    capk: () => artefacts.get<CapkStore>(ARTEFACT_KINDS.capk)?.value,
    pbocCache: new VerifiedCache(),
    async close() {
      await artefacts.close();
      ecodeStore.close();
      journal.close();
    },
  };
  try {
    reloadEcodeLists(services);
  } catch (e) {
    log.warn('e-code lists in the store could not be installed', { error: (e as Error).message });
  }
  return services;
}

/** After a download applied: re-install the e-code lists (hot reload without dropping a tap). */
export function reloadEcodeLists(s: Services): void {
  const t = s.artefacts.get(ARTEFACT_KINDS.ecodeTrust);
  if (t?.payload) s.ecode.installTrustList(t.payload);
  const r = s.artefacts.get(ARTEFACT_KINDS.ecodeRevocation);
  if (r?.payload) s.ecode.applyRevocations(r.payload);
}
