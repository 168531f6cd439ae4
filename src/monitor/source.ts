// Where a container comes from. A source prepares what the runtime needs, a checked bundle (its
// config and an absolute rootfs), and what the state file records about it; the monitor releases
// it (through its release stack) once the container is gone, on the normal end and after a failure
// alike. The bundle directory is one source; an image (mounted rootfs) is another.
import type { Bundle } from '../runtime/bundle';
import type { SourceRecord } from '../state/types';

export interface PreparedSource {
  bundle: Bundle;
  record: SourceRecord;
  /** The command and environment options are already in the bundle's config (an image source builds it from them). */
  optionsApplied?: boolean;
}

export interface ContainerSource {
  /** What was asked for, recorded before prepare() (prepare's record may add what it resolved). */
  readonly requested: SourceRecord;
  /** The bundle directory the state file names while prepare() runs. */
  readonly bundleDir: string;
  /** A stop signal the source asks for (an image's StopSignal), known after prepare(). */
  readonly stopSignal?: string | number;
  /** Checks and readies the container's bundle; throws a CtrmonError naming what is wrong. */
  prepare(): Promise<PreparedSource>;
  /** Gives back what prepare() took (a mount, a lease); called once, after the container is gone. */
  release(): Promise<void>;
}
