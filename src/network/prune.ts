// What dead monitors left on the host: a container's network record whose monitor no longer runs
// (SIGKILLed, or its machine's power cut mid-run is not a case: /run is gone with the bridges),
// and leases whose holder has no live monitor. `ctrmon network prune` removes them; the next start
// of the same container does the same for its own.
import { existsSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

import type { Logger } from '../log';
import { monitorAlive } from '../state/liveness';
import { readState } from '../state/reader';
import { containerDir, stateFile } from '../state/paths';
import { listLeases, releaseAddress } from './leases';
import { leasesDir, networkRecordFile } from './paths';
import { removeLeftover } from './attachment';

/** Whether the container whose directory this is has a live monitor. */
export function holderAlive(dir: string): boolean {
  try {
    return monitorAlive(readState(path.join(dir, 'state.json')));
  } catch {
    return false;
  }
}

/** Removes every leftover; returns the containers whose networks it tore down and the leases it gave up. */
export async function pruneNetworks(stateDir: string, log: Logger): Promise<{ containers: string[]; leases: string[] }> {
  const containers: string[] = [];
  let names: string[] = [];
  try {
    names = readdirSync(stateDir).filter((n) => existsSync(networkRecordFile(containerDir(stateDir, n))));
  } catch {
    // no state directory: nothing left
  }
  for (const name of names.sort()) {
    const dir = containerDir(stateDir, name);
    if (existsSync(stateFile(stateDir, name)) && holderAlive(dir)) continue;
    await removeLeftover(stateDir, dir, log);
    containers.push(name);
  }
  const leases: string[] = [];
  for (const l of listLeases(leasesDir(stateDir))) {
    if (holderAlive(l.holder)) continue;
    releaseAddress(leasesDir(stateDir), l.network, l.address, l.holder);
    leases.push(`${l.network}/${l.address}`);
  }
  return { containers, leases };
}

/** The containers with a live monitor on a network, by name. */
export function networkUsers(stateDir: string, network: string): string[] {
  return listLeases(leasesDir(stateDir))
    .filter((l) => l.network === network && holderAlive(l.holder))
    .map((l) => path.basename(l.holder));
}
