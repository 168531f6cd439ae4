// The state file, <state-dir>/<name>/state.json: the contract between a running monitor and
// everything that observes it (`ctrmon ps`, the update engine, the benchmark). These are its
// types; reader.ts validates them, writer.ts replaces the file atomically at every transition.
// Readers ignore fields they do not know, so that later versions can add some.
import type { SdNotifyMode } from '../notify/readiness';

export const STATE_VERSION = 1;

export const PHASES = ['creating', 'running', 'ready', 'stopping', 'exited'] as const;
export type Phase = (typeof PHASES)[number];
export const HEALTH_STATUSES = ['starting', 'healthy', 'unhealthy'] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export interface HealthState {
  status: HealthStatus;
  failingStreak: number;
  lastCheck: string | null;
  lastExitCode: number | null;
  lastOutput: string;
}

/**
 * Where the container came from, as its source recorded it. A tagged union: each kind of
 * container source (monitor/source.ts) adds its own record, e.g. an image's reference and
 * digests, which the update engine reads.
 */
export type SourceRecord = BundleSourceRecord | ImageSourceRecord;

export interface BundleSourceRecord {
  kind: 'bundle';
  /** The user's bundle directory, never modified. */
  path: string;
}

/** What the update engine reads: which image the container runs, exactly. */
export interface ImageSourceRecord {
  kind: 'image';
  /** The reference as the user wrote it (--image, Image=). */
  reference: string;
  /** The image store it comes from (--root). */
  root: string;
  /** The same, normalised (docker.io/library/..., :latest). */
  name: string;
  /**
   * The manifest that was started (for this machine's platform; the digest the update engine pinned,
   * while it verifies one), and the index it came from, if any.
   */
  manifestDigest: string | null;
  indexDigest: string | null;
  /** The image ID: the digest of its config blob. */
  imageId: string | null;
}

export type PortProtocol = 'tcp' | 'udp';

/** A published port, as netavark takes it (network/ports.ts parses podman's forms): range ports from each start. */
export interface PortMapping {
  host_ip: string;
  container_port: number;
  /** 0 until it is reserved: any free port. */
  host_port: number;
  range: number;
  protocol: PortProtocol;
}

/** A port the container says it serves (ExposeHostPort=), recorded, not published. */
export interface ExposedPort {
  port: number;
  range: number;
  protocol: PortProtocol;
}

/** The container's network: its mode, and on a bridged network its addresses and published ports. */
export interface NetworkState {
  /** host, none, bridge, a network's name, or bundle (the bundle's own namespaces). */
  mode: string;
  network: string | null;
  addresses: string[];
  /** As netavark set them up, every host port chosen. */
  ports: PortMapping[];
  exposed: ExposedPort[];
}

export interface ContainerState {
  version: number;
  name: string;
  /** ctrmon's pid: the unit's main PID under systemd. */
  monitorPid: number;
  /** When that process started (clock ticks since boot, /proc/<pid>/stat): with the pid, it names the monitor exactly. */
  monitorStartTime: number | null;
  /** The container's init process (host pid namespace), once created. */
  containerPid: number | null;
  runtime: { name: string; path: string; args: string[] };
  /** The bundle directory the runtime's config derives from (for a bundle source, the user's). */
  bundle: string;
  source: SourceRecord;
  sdnotify: SdNotifyMode;
  /** The systemd unit ctrmon runs in (from its cgroup), and that run's $INVOCATION_ID. */
  unit: string | null;
  invocationId: string | null;
  labels: Record<string, string>;
  phase: Phase;
  timestamps: {
    created: string;
    started: string | null;
    ready: string | null;
    stopping: string | null;
    exited: string | null;
  };
  /** The code ctrmon exits with: the container's, 128+N for signal N, 125-127 for ctrmon's errors. */
  exitCode: number | null;
  exitSignal: string | null;
  health: HealthState | null;
  logDriver: string;
  logPath: string | null;
  /** Absent in the files of monitors before networks; null when the source's own namespaces stand. */
  network?: NetworkState | null;
  /** ctrmon's own failure, if that is why it ended. */
  error: { code: string; message: string } | null;
}
