// Which containers an auto-update run manages, from the monitors' state files (never from the
// monitor's code): running or ready under a live monitor, inside a systemd unit, with a policy
// label. A unit has one monitor as its main process, so one container: podman's grouping of a
// unit's containers, restarted once, is one task per unit here. Units come in name order, so that
// two runs over the same machine do the same thing (podman's order is a Go map's: random).
import { CtrmonError, asCtrmonError } from '../errors';
import { type Digest, parseDigest } from '../image/digest';
import { monitorAlive } from '../state/liveness';
import { listStates } from '../state/reader';
import type { ContainerState, ImageSourceRecord } from '../state/types';
import { AUTHFILE_LABEL, AUTO_UPDATE_LABEL, type Policy, policyOf } from './policy';

export interface UpdateTask {
  unit: string;
  /** The container's name (its ID for the runtime too). */
  container: string;
  policy: Policy;
  /** The image as the user wrote it, and normalised, and the store it lives in. */
  reference: string;
  name: string;
  root: string;
  /** What runs now. */
  manifestDigest: Digest;
  indexDigest: Digest | null;
  imageId: Digest | null;
  /** The io.containers.autoupdate.authfile label, which wins over --authfile. */
  authfile?: string;
}

/** The containers to process, in unit order, and those that could not be taken (podman's errors). */
export function discoverTasks(stateDir: string): { tasks: UpdateTask[]; errors: CtrmonError[] } {
  const { states, errors } = listStates(stateDir);
  const byUnit = new Map<string, UpdateTask>();
  for (const state of states) {
    if ((state.phase !== 'running' && state.phase !== 'ready') || !monitorAlive(state)) continue;
    try {
      const task = taskOf(state);
      if (task === null) continue;
      const other = byUnit.get(task.unit);
      // A unit has one main process, so one monitor: a second one is a stale claim.
      if (other)
        throw new CtrmonError('ERR_UPDATE', `containers "${other.container}" and "${task.container}" both name unit ${task.unit}`, {
          unit: task.unit,
        });
      byUnit.set(task.unit, task);
    } catch (err) {
      errors.push(asCtrmonError(err, { name: state.name }));
    }
  }
  const tasks = [...byUnit.keys()].sort().map((unit) => byUnit.get(unit)!);
  return { tasks, errors };
}

function taskOf(state: ContainerState): UpdateTask | null {
  const policy = policyOf(state.labels[AUTO_UPDATE_LABEL], state.name);
  if (policy === null) return null;
  const fail = (why: string) =>
    new CtrmonError('ERR_UPDATE', `auto-updating container "${state.name}": ${why}`, { name: state.name, unit: state.unit ?? undefined });
  if (state.unit === null) throw fail('it does not run as the main process of a systemd unit');
  if (state.source.kind !== 'image') throw fail('auto updates require an image, and it runs a bundle');
  const source: ImageSourceRecord = state.source;
  if (source.manifestDigest === null) throw fail('its state file does not record the image it runs');
  const authfile = state.labels[AUTHFILE_LABEL];
  return {
    unit: state.unit,
    container: state.name,
    policy,
    reference: source.reference,
    name: source.name,
    root: source.root,
    manifestDigest: parseDigest(source.manifestDigest, 'manifest digest'),
    indexDigest: source.indexDigest === null ? null : parseDigest(source.indexDigest, 'index digest'),
    imageId: source.imageId === null ? null : parseDigest(source.imageId, 'image ID'),
    ...(authfile ? { authfile } : {}),
  };
}

/** The task of one unit, for `ctrmon rollback`; ERR_UPDATE when no live container of it is managed by auto-update. */
export function unitTask(stateDir: string, unit: string): UpdateTask {
  const { tasks, errors } = discoverTasks(stateDir);
  const task = tasks.find((t) => t.unit === unit);
  if (task) return task;
  const error = errors.find((e) => e.subject.unit === unit);
  if (error) throw error;
  throw new CtrmonError('ERR_UPDATE', `${unit}: no running container of this unit has an ${AUTO_UPDATE_LABEL} policy`, { unit });
}
