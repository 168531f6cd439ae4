// Where a container comes from. A source prepares what the runtime needs, the base of the
// container's config (spec/pipeline.ts applies the options to it), and what the state file
// records about it; the monitor releases it (through its release stack) once the container is
// gone, on the normal end and after a failure alike. The bundle directory is one source; an image
// (mounted rootfs) is another.
import type { BaseSpec } from '../spec/pipeline';
import type { SourceRecord } from '../state/types';

export interface PreparedSource {
  base: BaseSpec;
  record: SourceRecord;
}

export interface ContainerSource {
  /** What was asked for, recorded before prepare() (prepare's record may add what it resolved). */
  readonly requested: SourceRecord;
  /** The bundle directory the state file names while prepare() runs. */
  readonly bundleDir: string;
  /** Checks and readies the container's base; throws a CtrmonError naming what is wrong. */
  prepare(): Promise<PreparedSource>;
  /** Gives back what prepare() took (a mount, a lease); called once, after the container is gone. */
  release(): Promise<void>;
}
