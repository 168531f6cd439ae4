// Units that need the updated one (Requires=, BindsTo=) go down with it when its start fails, and
// a rollback restart does not bring them back (hive#4516 measured it with podman). The engine notes
// which of them were active before it touched the unit, and starts again those that are not.
import type { SystemdClient } from '../systemd/systemd-client';

const DEPENDENT_PROPERTIES = ['RequiredBy', 'BoundBy'];

/** The units that require or bind to unit and are active now. */
export async function activeDependents(client: SystemdClient, unit: string): Promise<string[]> {
  const p = await client.show(unit, ...DEPENDENT_PROPERTIES);
  const names = [...new Set(DEPENDENT_PROPERTIES.flatMap((k) => (p[k] ?? '').split(/\s+/).filter(Boolean)))].sort();
  const active: string[] = [];
  for (const name of names) if ((await client.isActive(name)) === 'active') active.push(name);
  return active;
}

/** Starts those of units that are not active; returns them. */
export async function restoreDependents(client: SystemdClient, units: readonly string[]): Promise<string[]> {
  const started: string[] = [];
  for (const name of units) {
    if ((await client.isActive(name)) === 'active') continue;
    await client.resetFailed(name).catch(() => undefined);
    const job = await client.start(name);
    if (job.result === 'done') started.push(name);
  }
  return started;
}
