// The only module that loads the C++ addon. Everything native is reached through the typed
// classes and functions below; raw fds never leave this module.
import { CtrmonError } from './errors';
import { packagePath } from './package-root';
import { signalName, signalNumber } from './signal-numbers';

/** A failed system call, shaped like Node's own system errors. */
export interface SystemError extends Error {
  code: string;
  errno: number;
  syscall: string;
  address?: string;
  path?: string;
  pid?: number;
}

/** One received datagram. */
export interface Datagram {
  /** The payload, cut to the receive buffer size. */
  data: Buffer;
  /** The datagram's real length (larger than data.length when truncated). */
  size: number;
  truncated: boolean;
  /** The control data (credentials, fds) did not fit. */
  controlTruncated: boolean;
  /** How many fds came with it; all of them were closed on receipt. */
  fds: number;
  /** The sender's credentials (SCM_CREDENTIALS); pid 0 when the kernel gave none. */
  pid: number;
  uid: number;
  gid: number;
}

export interface ExitStatus {
  pid: number;
  /** Set when the process exited; null when a signal killed it. */
  exitCode: number | null;
  /** Set when a signal killed the process. */
  signal: NodeJS.Signals | null;
  coreDumped: boolean;
}

interface RawStatus {
  pid: number;
  exitCode: number | null;
  signal: number | null;
  coreDumped: boolean;
}

interface RawDgramSocket {
  bind(address: string, mode?: number): void;
  connect(address: string): void;
  send(data: Buffer, address?: string): number;
  startReceiving(
    bufferSize: number,
    onMessage: (data: Buffer, size: number, pid: number, uid: number, gid: number, flags: number, fds: number) => void,
    onError: (err: SystemError) => void,
    maxFds?: number,
  ): void;
  awaitWritable(cb: () => void): void;
  close(): void;
  readonly closed: boolean;
}

interface RawPidfd {
  watchExit(cb: (err: SystemError | null, status: RawStatus) => void): void;
  sendSignal(signal: number): void;
  close(): void;
  readonly pid: number;
}

interface RawNotifyRelay {
  start(
    onMessage: (payload: Buffer, flags: number, pid: number) => void,
    onDrop: (reason: number, size: number, pid: number) => void,
    onError: (err: SystemError) => void,
  ): void;
  setDirect(): void;
  stats(): RelayStats;
  close(): void;
}

/** A layer failure from the applier thread (native/layer_failure.h); a SystemError when kind is 'system'. */
interface RawLayerFailure extends Error {
  kind: 'unsafe' | 'limit' | 'invalid' | 'system';
  /** The archive name of the entry concerned, '' when none. */
  entry: string;
  reason: string;
}

interface RawLayerWriter {
  push(chunk: Buffer): boolean;
  end(): void;
  close(): void;
}

interface RawZstdDecoder {
  decompress(input: Buffer, offset: number): [output: Buffer, offset: number, frameOpen: boolean, outputFull: boolean];
}

/** The numbers and words the addon shares with JavaScript (native/constants.h). */
export interface NativeConstants {
  /** systemd ignores notify datagrams longer than this. */
  notifyMaxBytes: number;
  /** Room for passed fds in one control message (systemd's NOTIFY_FD_MAX). */
  maxFds: number;
  socketFlags: { truncated: number; controlTruncated: number };
  relayFlags: { stateChange: number; unsent: number };
  dropReasons: { oversize: number; controlTruncated: number; nulByte: number };
  /** The notify lines that change a unit's state. */
  stateChanges: string[];
}

interface Addon {
  constants: NativeConstants;
  DgramSocket: new () => RawDgramSocket;
  Pidfd: new (pid: number) => RawPidfd;
  NotifyRelay: new (listenPath: string, target: string | null, extendMaxUsec: number) => RawNotifyRelay;
  filterNotifyMessage(message: Buffer, extendMaxUsec: number): { kept: string[]; dropped: string[] };
  setChildSubreaper(on: boolean): void;
  isChildSubreaper(): boolean;
  reapOrphans(exclude: number[]): RawStatus[];
  lockFile(path: string): number;
  readFileInRoot(root: string, path: string, maxBytes: number): Buffer | null;
  unlockFile(fd: number): void;
  LayerWriter: new (
    dir: string,
    maxEntries: number,
    maxBytes: number,
    sync: boolean,
    onDrain: () => void,
    onDone: (err: RawLayerFailure | null, entries: number, bytes: number) => void,
  ) => RawLayerWriter;
  ZstdDecoder: new () => RawZstdDecoder;
  mountOverlay(lowerDirs: string[], upperDir: string | null, workDir: string | null, target: string): void;
  unmount(target: string, detach: boolean): void;
}

const addon: Addon = require(packagePath('build', 'Release', 'ctrmon_native.node'));

export const NATIVE: Readonly<NativeConstants> = addon.constants;
const { socketFlags, relayFlags } = NATIVE;

function toStatus(raw: RawStatus): ExitStatus {
  return {
    pid: raw.pid,
    exitCode: raw.exitCode,
    signal: raw.signal === null ? null : signalName(raw.signal),
    coreDumped: raw.coreDumped,
  };
}

/**
 * A non-blocking AF_UNIX datagram socket on the event loop. Addresses are a path or '@name'
 * for the abstract namespace. Received fds are closed at once and only counted.
 */
export class DatagramSocket {
  private readonly raw: RawDgramSocket = new addon.DgramSocket();

  /** Binds to a path (chmod to mode when given) or '@abstract'. Credentials are passed. */
  bind(address: string, mode?: number): void {
    this.raw.bind(address, mode);
  }

  /** Connects to a peer, so that send() needs no address and awaitWritable() sees its queue. */
  connect(address: string): void {
    this.raw.connect(address);
  }

  /** Sends one datagram with MSG_DONTWAIT|MSG_NOSIGNAL; throws EAGAIN instead of blocking. */
  send(data: Buffer, address?: string): number {
    return address === undefined ? this.raw.send(data) : this.raw.send(data, address);
  }

  /**
   * Starts delivering datagrams, each read into a buffer of bufferSize bytes, with room for
   * maxFds passed fds (more are discarded by the kernel and flagged controlTruncated).
   */
  receive(bufferSize: number, onMessage: (msg: Datagram) => void, onError: (err: SystemError) => void, maxFds = NATIVE.maxFds): void {
    this.raw.startReceiving(
      bufferSize,
      (data, size, pid, uid, gid, flags, fds) =>
        onMessage({
          data,
          size,
          truncated: (flags & socketFlags.truncated) !== 0,
          controlTruncated: (flags & socketFlags.controlTruncated) !== 0,
          fds,
          pid,
          uid,
          gid,
        }),
      onError,
      maxFds,
    );
  }

  /** Calls cb once when a send can make progress again (for a connected socket: the peer's queue). */
  awaitWritable(cb: () => void): void {
    this.raw.awaitWritable(cb);
  }

  close(): void {
    this.raw.close();
  }

  get closed(): boolean {
    return this.raw.closed;
  }
}

/** A pidfd: a race-free handle on one process, to signal it and to reap it when it exits. */
export class ProcessHandle {
  private readonly raw: RawPidfd;

  /** Throws ESRCH when no such process exists (a zombie still does). */
  constructor(pid: number) {
    this.raw = new addon.Pidfd(pid);
  }

  get pid(): number {
    return this.raw.pid;
  }

  /**
   * Calls cb once the process has exited, after reaping it with waitid(P_PIDFD). The process must
   * be our child (a subreaper adopts orphans); otherwise cb gets an ECHILD error.
   */
  watchExit(cb: (err: SystemError | null, status: ExitStatus) => void): void {
    this.raw.watchExit((err, status) => cb(err, toStatus(status)));
  }

  signal(signal: NodeJS.Signals | number): void {
    this.raw.sendSignal(signalNumber(signal));
  }

  close(): void {
    this.raw.close();
  }
}

/** Counters of a NativeNotifyRelay. */
export interface RelayStats {
  received: number;
  /** Datagrams with allowed lines. */
  relayed: number;
  /** Of those, sent on without entering JavaScript. */
  sentDirect: number;
  oversize: number;
  malformed: number;
}

export type DropReason = 'oversize' | 'control-truncated' | 'nul-byte';
const DROP_REASONS: Record<number, DropReason> = {
  [NATIVE.dropReasons.oversize]: 'oversize',
  [NATIVE.dropReasons.controlTruncated]: 'control-truncated',
  [NATIVE.dropReasons.nulByte]: 'nul-byte',
};

export interface RelayHandlers {
  /** Allowed lines JS must see: a state change (READY, STOPPING, RELOADING) and/or a message JS must send itself. */
  message(payload: Buffer, stateChange: boolean, unsent: boolean, pid: number): void;
  drop(reason: DropReason, size: number, pid: number): void;
  error(err: SystemError): void;
}

/**
 * The container's notify socket, bound at listenPath (mode 0777), relayed to target by a thread
 * of its own, without entering JavaScript: received, checked, filtered through the allowlist and
 * sent at once. A message that cannot be sent goes to handlers.message as unsent, and direct
 * sending stays off until setDirect().
 */
export class NativeNotifyRelay {
  private readonly raw: RawNotifyRelay;

  constructor(listenPath: string, target: string | undefined, extendMaxUsec: number | undefined) {
    this.raw = new addon.NotifyRelay(listenPath, target ?? null, extendMaxUsec ?? -1);
  }

  start(handlers: RelayHandlers): void {
    this.raw.start(
      (payload, flags, pid) => handlers.message(payload, (flags & relayFlags.stateChange) !== 0, (flags & relayFlags.unsent) !== 0, pid),
      (reason, size, pid) => handlers.drop(DROP_REASONS[reason], size, pid),
      handlers.error,
    );
  }

  /** The JS queue has drained: send directly again (once no unsent message is on its way to JS). */
  setDirect(): void {
    this.raw.setDirect();
  }

  get stats(): RelayStats {
    return this.raw.stats();
  }

  close(): void {
    this.raw.close();
  }
}

/** The notify allowlist (native/notify_filter.cc) applied to one message: the kept lines and the names of the dropped ones. */
export function filterNotifyMessage(message: Buffer, extendMaxUsec?: number): { kept: string[]; dropped: string[] } {
  return addon.filterNotifyMessage(message, extendMaxUsec ?? -1);
}

/** Makes this process adopt its orphaned descendants (PR_SET_CHILD_SUBREAPER). */
export function setChildSubreaper(on = true): void {
  addon.setChildSubreaper(on);
}

export function isChildSubreaper(): boolean {
  return addon.isChildSubreaper();
}

/**
 * Reaps zombie children nobody watches: not pids under a ProcessHandle watch and not the
 * excluded ones (children of child_process, which libuv reaps itself).
 */
export function reapOrphans(exclude: Iterable<number> = []): ExitStatus[] {
  return addon.reapOrphans([...exclude]).map(toStatus);
}

/**
 * An exclusive flock on a file, held until release() or the death of this process (the kernel
 * drops it then). Throws EWOULDBLOCK when another holder has it.
 */
export class FileLock {
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = addon.lockFile(path);
  }

  release(): void {
    if (this.fd === null) return;
    addon.unlockFile(this.fd);
    this.fd = null;
  }
}

export interface LayerWriterOptions {
  /** More entries than this (whiteouts and directories included) fail with ERR_LAYER_LIMIT. */
  maxEntries: number;
  /** More regular-file bytes than this fail with ERR_LAYER_LIMIT, before any of them is written. */
  maxBytes: number;
  /** syncfs() the directory's filesystem before end() resolves, so the layer is durable. */
  sync?: boolean;
}

export interface LayerTotals {
  entries: number;
  bytes: number;
}

function layerError(dir: string, raw: RawLayerFailure): CtrmonError {
  const at = raw.entry === '' ? '' : ` at entry '${raw.entry}'`;
  const subject = { path: dir };
  switch (raw.kind) {
    case 'unsafe':
      return new CtrmonError(
        'ERR_LAYER_UNSAFE',
        `layer refused${at}: ${raw.reason} (extracting to ${dir}; nothing is written outside it)`,
        subject,
        {
          cause: raw,
        },
      );
    case 'invalid':
      return new CtrmonError('ERR_LAYER_UNSAFE', `layer refused${at}: invalid tar: ${raw.reason} (extracting to ${dir})`, subject, {
        cause: raw,
      });
    case 'limit':
      return new CtrmonError('ERR_LAYER_LIMIT', `layer refused${at}: ${raw.reason}, over the limit (extracting to ${dir})`, subject, {
        cause: raw,
      });
    default:
      return new CtrmonError('ERR_STORE', `cannot extract layer${at} to ${dir}: ${raw.message}`, subject, { cause: raw });
  }
}

/**
 * Applies one OCI layer, pushed as uncompressed tar chunks, into an empty directory that becomes
 * an overlayfs lower dir (native/layer_applier.h: whiteouts in overlay form, every write confined
 * to the directory). The work runs on a thread of its own; write() resolves once the chunk is
 * queued (at most 2 MiB wait in the queue). A refused or failed layer rejects write()/end() with
 * ERR_LAYER_UNSAFE, ERR_LAYER_LIMIT or ERR_STORE; the caller then deletes the directory. After
 * abort() (which waits for at most one chunk's work) the directory may be deleted too.
 */
export class LayerWriter {
  private readonly raw: RawLayerWriter;
  private readonly done: Promise<LayerTotals>;
  private failure: CtrmonError | null = null;
  private settled = false;
  private ended = false;
  private drainWaiters: (() => void)[] = [];

  constructor(
    readonly dir: string,
    options: LayerWriterOptions,
  ) {
    let resolveDone!: (totals: LayerTotals) => void;
    let rejectDone!: (err: CtrmonError) => void;
    this.done = new Promise((resolve, reject) => {
      resolveDone = resolve;
      rejectDone = reject;
    });
    // A failure also reaches write(); end() may never be called after it.
    this.done.catch(() => {});
    this.raw = new addon.LayerWriter(
      dir,
      options.maxEntries,
      options.maxBytes,
      options.sync ?? false,
      () => this.wake(),
      (err, entries, bytes) => {
        this.settled = true;
        if (err === null) {
          resolveDone({ entries, bytes });
        } else {
          this.failure = layerError(dir, err);
          rejectDone(this.failure);
        }
        this.wake();
      },
    );
  }

  /** Queues a chunk of the uncompressed layer; waits while the queue is full. */
  async write(chunk: Buffer): Promise<void> {
    if (this.failure !== null) throw this.failure;
    if (this.ended) throw new CtrmonError('ERR_INTERNAL', `layer writer for ${this.dir}: write after end`, { path: this.dir });
    if (this.settled || this.raw.push(chunk)) return;
    await new Promise<void>((resolve) => this.drainWaiters.push(resolve));
    if (this.failure !== null) throw this.failure;
  }

  /** The archive is complete: resolves when every entry is written (and synced, with sync). */
  end(): Promise<LayerTotals> {
    if (!this.ended && !this.settled) this.raw.end();
    this.ended = true;
    return this.done;
  }

  /** Stops the applier thread; pending write()s reject. */
  abort(): void {
    if (!this.settled) {
      this.settled = true;
      this.failure = new CtrmonError('ERR_STORE', `layer extraction to ${this.dir} aborted`, { path: this.dir });
    }
    this.raw.close();
    this.wake();
  }

  private wake(): void {
    const waiters = this.drainWaiters;
    this.drainWaiters = [];
    for (const w of waiters) w();
  }
}

/** One bounded step of a zstd decompression (native/zstd_decoder.h); see src/image/zstd.ts. */
export class ZstdDecoder {
  private readonly raw: RawZstdDecoder = new addon.ZstdDecoder();

  /**
   * Decompresses from input[offset..] into at most ~128 KiB of output. Throws (code ERR_ZSTD) on
   * corrupt data. frameOpen: a frame is still incomplete; outputFull: zstd may hold more output,
   * so step again even when the input is used up.
   */
  step(input: Buffer, offset: number): { output: Buffer; offset: number; frameOpen: boolean; outputFull: boolean } {
    const [output, next, frameOpen, outputFull] = this.raw.decompress(input, offset);
    return { output, offset: next, frameOpen, outputFull };
  }
}

/**
 * Mounts an overlayfs at target: lowerDirs topmost first; with upperDir and workDir (an empty dir
 * on the upper's filesystem) it is writable, without them read-only. Absolute paths without ',' or
 * ':' only (EINVAL otherwise). Throws a SystemError naming target.
 */
export function mountOverlay(lowerDirs: readonly string[], upperDir: string | null, workDir: string | null, target: string): void {
  addon.mountOverlay([...lowerDirs], upperDir, workDir, target);
}

/** Unmounts target (never following a symlink there); detach: lazily, even while busy (MNT_DETACH). */
export function unmount(target: string, options: { detach?: boolean } = {}): void {
  addon.unmount(target, options.detach ?? false);
}

/**
 * A file of a rootfs read as the container sees it: symlinks resolve inside root, never on the
 * host. null when there is no such regular file; EFBIG past maxBytes.
 */
export function readFileInRoot(root: string, file: string, maxBytes: number): Buffer | null {
  return addon.readFileInRoot(root, file, maxBytes);
}
