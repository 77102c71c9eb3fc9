/**
 * Runs a private pcscd for tests and benchmarks: its own process (foreground), its own reader
 * configuration (vpcd on free ports), its own client socket, started, awaited until ready, stopped,
 * killed, restarted. Never touches a system pcscd:
 *
 *  - Client socket: pcscd 1.9.9 (Debian bookworm) always creates /run/pcscd/pcscd.comm itself and
 *    ignores PCSCLITE_CSOCK_NAME (only libpcsclite, the client side, reads it). So the harness hands
 *    pcscd a listening socket at a private path through systemd-style socket activation
 *    (socket-activate.c: fd 3 + LISTEN_FDS/LISTEN_PID), and clients set PCSCLITE_CSOCK_NAME to it.
 *  - /run/pcscd: even socket-activated, pcscd writes /run/pcscd/pcscd.pid and deletes /run/pcscd/*
 *    when it exits. When it can (root, `unshare` permitted), the harness runs pcscd in a private mount
 *    namespace with a private directory bound over /run/pcscd, so a system pcscd is never disturbed.
 *    Otherwise it refuses to start while a system pcscd is running.
 *  - Readers: one vpcd instance per `vpcdInstances`, each giving two readers ("Virtual PCD 00 00",
 *    "Virtual PCD 00 01" on ports p and p+1; the next instance "Virtual PCD 1 00 00"… on its own ports).
 *    Each instance loads its OWN copy of libifdvpcd.so: vpcd keeps its connections in a process-global
 *    `static struct vicc_ctx *ctx[]` indexed by the slot only (`Lun & 0xffff`, ifd-vpcd.c), so two
 *    readers of one shared driver overwrite each other's slots (see vpcdDriverCopy below).
 *  - TCP_NODELAY: the LD_PRELOAD shim (tcp-nodelay-shim.c) unless `nodelay: false`.
 *
 * The client library caches the socket name at its first use in a process: set PCSCLITE_CSOCK_NAME
 * (harness.clientEnv, or harness.useInThisProcess()) before the first PC/SC call of the process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildHarnessBinaries } from './build-native';

export const VPCD_DRIVER = '/usr/lib/pcsc/drivers/serial/libifdvpcd.so';

export interface PcscdHarnessOptions {
  /** vpcd instances (two readers each). Default 1. */
  vpcdInstances?: number;
  /** Load the TCP_NODELAY shim into pcscd. Default true. */
  nodelay?: boolean;
  /** 'auto' (default): private mount namespace when possible; 'none': socket activation only. */
  isolation?: 'auto' | 'none';
  /** Extra pcscd flags, e.g. ['-a'] to log APDUs, ['-d'] debug. */
  pcscdArgs?: string[];
  /** How long to wait for "daemon ready" (ms). Default 10000. */
  readyTimeoutMs?: number;
  pcscdPath?: string;
}

export interface VpcdSlot {
  reader: string;
  port: number;
}

export class PcscdHarness {
  private child: ChildProcess | undefined;
  private output = '';
  private exited: Promise<void> | undefined;

  private constructor(
    readonly dir: string,
    readonly socketPath: string,
    readonly slots: readonly VpcdSlot[],
    readonly isolated: boolean,
    private readonly opts: Required<Omit<PcscdHarnessOptions, 'vpcdInstances'>>,
    private readonly binaries: { nodelayShim: string; socketActivate: string },
  ) {}

  /** Build the helpers, write the reader configuration, start pcscd and wait until it is ready. */
  static async start(options: PcscdHarnessOptions = {}): Promise<PcscdHarness> {
    const opts = {
      nodelay: options.nodelay ?? true,
      isolation: options.isolation ?? 'auto',
      pcscdArgs: options.pcscdArgs ?? [],
      readyTimeoutMs: options.readyTimeoutMs ?? 10_000,
      pcscdPath: options.pcscdPath ?? findPcscd(),
    };
    if (!existsSync(VPCD_DRIVER)) {
      throw new Error(`vpcd is not installed (${VPCD_DRIVER} missing): apt-get install vsmartcard-vpcd (listed in .ci/system-packages.txt)`);
    }
    const binaries = buildHarnessBinaries();
    const instances = options.vpcdInstances ?? 1;
    if (!Number.isInteger(instances) || instances < 1 || instances > 8) throw new RangeError(`vpcdInstances: expected 1..8, got ${instances}`);
    const dir = mkdtempSync(join(tmpdir(), 'ykt-pcscd-'));
    const confDir = join(dir, 'reader.conf.d');
    mkdirSync(confDir);
    mkdirSync(join(dir, 'run'));
    const driverDir = join(dir, 'drivers');
    mkdirSync(driverDir);
    const slots: VpcdSlot[] = [];
    const taken = new Set<number>();
    for (let i = 0; i < instances; i++) {
      const port = await freePortPair(taken);
      taken.add(port).add(port + 1);
      const hex = '0x' + port.toString(16).toUpperCase();
      // Same format as Debian's /etc/reader.conf.d/vpcd; CHANNELID is vpcd's first port.
      // pcsc-lite 1.9.9 does not number serial readers of the same name apart: one name per instance.
      const name = i === 0 ? 'Virtual PCD' : `Virtual PCD ${i}`;
      const libpath = vpcdDriverCopy(driverDir, i);
      writeFileSync(
        join(confDir, `vpcd-${i}`),
        [`FRIENDLYNAME "${name}"`, `DEVICENAME   /dev/null:${hex}`, `LIBPATH      ${libpath}`, `CHANNELID    ${hex}`, ''].join('\n'),
      );
      slots.push({ reader: `${name} 00 00`, port }, { reader: `${name} 00 01`, port: port + 1 });
    }
    const isolated = opts.isolation === 'auto' && canIsolate();
    if (!isolated) refuseIfSystemPcscd();
    const h = new PcscdHarness(dir, join(dir, 'pcscd.comm'), slots, isolated, opts, binaries);
    await h.launch();
    return h;
  }

  /** Environment for PC/SC client processes (scriptor, pcsc_scan, a child node). */
  get clientEnv(): NodeJS.ProcessEnv {
    return { ...process.env, PCSCLITE_CSOCK_NAME: this.socketPath };
  }

  /** Point this process's PC/SC client library at this pcscd (before its first PC/SC call). */
  useInThisProcess(): void {
    process.env.PCSCLITE_CSOCK_NAME = this.socketPath;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** pcscd's log so far (foreground: it logs to stdout). */
  get log(): string {
    return this.output;
  }

  /** SIGTERM and wait; SIGKILL after 5 s. */
  async stop(): Promise<void> {
    await this.terminate('SIGTERM');
  }

  /** SIGKILL (a crash: no clean-up). */
  async kill(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  /**
   * Stop (or kill) and start again on the same socket and ports (clients keep their socket name).
   * `nodelay` switches the TCP_NODELAY shim for the new pcscd (benchmarks compare both in one run).
   */
  async restart(how: 'stop' | 'kill' = 'stop', opts: { nodelay?: boolean } = {}): Promise<void> {
    await this.terminate(how === 'kill' ? 'SIGKILL' : 'SIGTERM');
    if (opts.nodelay !== undefined) this.opts.nodelay = opts.nodelay;
    await this.launch();
  }

  /** Whether the running pcscd has the TCP_NODELAY shim. */
  get nodelay(): boolean {
    return this.opts.nodelay;
  }

  /** Stop pcscd and delete the temporary directory. */
  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    if (this.running) throw new Error('pcscd is already running');
    const confDir = join(this.dir, 'reader.conf.d');
    const pcscd = [this.opts.pcscdPath, '--foreground', '--info', '--config', confDir, ...this.opts.pcscdArgs];
    const activated = [this.binaries.socketActivate, this.socketPath, ...pcscd];
    // unshare without --fork execs in place: the pid we hold is pcscd's own.
    const argv = this.isolated ? ['unshare', '--mount', '--propagation', 'private', '/bin/sh', '-c', 'mkdir -p /run/pcscd && mount --bind "$0" /run/pcscd && exec "$@"', join(this.dir, 'run'), ...activated] : activated;
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.LISTEN_FDS;
    delete env.LISTEN_PID;
    if (this.opts.nodelay) env.LD_PRELOAD = [this.binaries.nodelayShim, env.LD_PRELOAD].filter(Boolean).join(' ');
    this.output = '';
    const child = spawn(argv[0]!, argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`pcscd did not become ready within ${this.opts.readyTimeoutMs} ms. Log:\n${this.tail()}`)), this.opts.readyTimeoutMs);
      const onData = (b: Buffer): void => {
        this.output += b.toString('utf8');
        if (this.output.length > 1_000_000) this.output = this.output.slice(-500_000);
        if (/daemon ready/.test(this.output)) {
          clearTimeout(timer);
          resolve();
        }
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('error', (e) => {
        clearTimeout(timer);
        reject(new Error(`cannot start pcscd (${argv[0]}): ${e.message}`));
      });
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`pcscd exited before it was ready (code ${code}, signal ${signal}). Log:\n${this.tail()}`));
      });
    });
    try {
      await ready;
    } catch (e) {
      await this.terminate('SIGKILL');
      throw e;
    }
  }

  private async terminate(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.child;
    if (!child || !this.running) return;
    child.kill(signal);
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await this.exited;
    clearTimeout(timer);
  }

  private tail(): string {
    return this.output.split('\n').slice(-30).join('\n');
  }
}

function findPcscd(): string {
  for (const p of ['/usr/sbin/pcscd', '/usr/local/sbin/pcscd', '/sbin/pcscd']) if (existsSync(p)) return p;
  throw new Error('pcscd is not installed: apt-get install pcscd (listed in .ci/system-packages.txt)');
}

let isolation: boolean | undefined;
/** Can we make a private mount namespace (root, and unshare not forbidden by the container)? */
function canIsolate(): boolean {
  if (isolation !== undefined) return isolation;
  const r = spawnSync('unshare', ['--mount', '--propagation', 'private', 'true'], { stdio: 'ignore' });
  isolation = r.status === 0;
  return isolation;
}

function refuseIfSystemPcscd(): void {
  const pidFile = '/run/pcscd/pcscd.pid';
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8').trim());
  let alive = false;
  try {
    process.kill(pid, 0);
    alive = true;
  } catch {
    /* stale */
  }
  if (alive) {
    throw new Error(
      `a system pcscd is running (pid ${pid}) and this machine does not allow a private mount namespace (unshare): ` +
        'a test pcscd would overwrite its pid file and delete its socket when it exits. Stop the system pcscd (systemctl stop pcscd.socket pcscd) or run the tests as root.',
    );
  }
}

/**
 * The vpcd driver for instance `i`: a private copy of the packaged libifdvpcd.so (a new inode, so the
 * dynamic loader maps it as a separate object with its own static data).
 *
 * Why: vpcd (vsmartcard 3.3, virtualsmartcard/src/vpcd/ifd-vpcd.c) keeps its sockets in
 * `static struct vicc_ctx *ctx[VICC_MAX_SLOTS]`, indexed by `Lun & 0xffff` — the slot within a reader,
 * ignoring the reader index in `Lun >> 16`. pcsc-lite shares one loaded driver among all readers with the
 * same LIBPATH (and dlopen would return the same object anyway), so with two instances the second
 * instance's IFDHCreateChannel overwrites ctx[0]/ctx[1]: the first instance's listening sockets leak
 * (a vicc's TCP connect to them succeeds and is never served), and "Virtual PCD 00 00" and
 * "Virtual PCD 1 00 00" both poll the second instance's socket. Their two polling threads then race in
 * vicc_connect(): both see the pending connection in poll(), one accept()s it, the other blocks in
 * accept() on the blocking listening socket forever — so one of the two readers (a coin flip) never
 * reports the card. Separate copies give every instance its own ctx[].
 */
function vpcdDriverCopy(driverDir: string, i: number): string {
  const path = join(driverDir, `libifdvpcd-${i}.so`);
  copyFileSync(VPCD_DRIVER, path);
  return path;
}

/** Two consecutive free TCP ports (vpcd uses p and p+1), neither in `taken` (ports of other instances). */
async function freePortPair(taken: ReadonlySet<number> = new Set()): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const p = 20000 + Math.floor(Math.random() * 40000);
    if (taken.has(p) || taken.has(p + 1)) continue;
    if ((await portFree(p)) && (await portFree(p + 1))) return p;
  }
  throw new Error('no two consecutive free TCP ports found for vpcd');
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host: '0.0.0.0', exclusive: true }, () => s.close(() => resolve(true)));
  });
}
