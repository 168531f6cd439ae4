// What an auto-update run says about each unit: podman's statuses and keys, so that scripts and
// templates carry over, and beyond them what happened exactly (digests, the failing step, timings),
// and the exit code: podman exits 0 after a rollback, which hides it from OnFailure= and alerting.
import { EXIT_CTRMON_ERROR } from '../errors';
import type { Policy } from './policy';
import type { UpdateTask } from './tasks';

/** podman's statuses: no update; one is available (--dry-run); done; undone; something failed. */
export const UPDATE_STATUSES = ['false', 'pending', 'true', 'rolled back', 'failed'] as const;
export type UpdateStatus = (typeof UPDATE_STATUSES)[number];

/** The step an update failed at (or was stopped by). */
export const CAUSES = ['check', 'pull', 'start', 'readiness', 'soak', 'rollback', 'manual'] as const;
export type Cause = (typeof CAUSES)[number];

/** ctrmon's exit codes for a run: 0 when nothing failed or rolled back. */
export const EXIT_ROLLED_BACK = 2;
export const EXIT_FAILED = EXIT_CTRMON_ERROR;

export interface Timings {
  checkMs?: number;
  pullMs?: number;
  /** From the restart to the new container's READY (restart job done, state file ready on the new digest). */
  readyMs?: number;
  soakMs?: number;
  rollbackMs?: number;
  totalMs?: number;
}

/** One row: podman's keys first (Unit ... Updated), then ctrmon's. */
export interface UpdateReport {
  Unit: string;
  Container: string;
  ContainerName: string;
  ContainerID: string;
  Image: string;
  Policy: Policy;
  Updated: UpdateStatus;
  /** The manifest that ran before, and the one offered (null when there was none). */
  OldDigest: string;
  NewDigest: string | null;
  /** The new digest is quarantined: it caused a rollback before, so it is not tried. */
  Quarantined: boolean;
  Cause: Cause | null;
  Error: string | null;
  /** This run finished (or reverted) what a run that was killed had started. */
  Recovered: boolean;
  /** Units that depend on this one and were started again after the rollback. */
  DependentsRestarted: string[];
  Timings: Timings;
}

export function exitCodeOf(reports: readonly UpdateReport[], errors: number): number {
  if (errors > 0 || reports.some((r) => r.Updated === 'failed')) return EXIT_FAILED;
  if (reports.some((r) => r.Updated === 'rolled back')) return EXIT_ROLLED_BACK;
  return 0;
}

/** The table's UPDATED column: the status, and why a newer image was not tried. */
export function statusText(r: UpdateReport): string {
  return r.Quarantined ? `${r.Updated} (quarantined)` : r.Updated;
}

/** A task's row before anything is known: `failed` until a step says otherwise (podman's initial status too). */
export function newReport(task: Pick<UpdateTask, 'unit' | 'container' | 'reference' | 'policy' | 'manifestDigest'>): UpdateReport {
  return {
    Unit: task.unit,
    Container: task.container,
    ContainerName: task.container,
    ContainerID: task.container,
    Image: task.reference,
    Policy: task.policy,
    Updated: 'failed',
    OldDigest: task.manifestDigest,
    NewDigest: null,
    Quarantined: false,
    Cause: null,
    Error: null,
    Recovered: false,
    DependentsRestarted: [],
    Timings: {},
  };
}
