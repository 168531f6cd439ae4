// Named volumes, kept as podman's local driver keeps them: <dir>/<name>/_data is what a container
// mounts, <dir>/<name>/volume.json what `ctrmon volume inspect` shows. A volume is made on first use
// or by `ctrmon volume create`, and stays until removed. A container that uses one names its monitor
// (pid and start time) in <dir>/<name>/users/<container>.json, so that rm and prune leave a volume in
// use alone; a killed monitor's file names a process that is gone, so it keeps nothing.
import { mkdirSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';
import { replaceFile } from '../fs/durable-file';
import { type ProcessIdentity, isRunning } from '../process/identity';
import { VOLUME_NAME, volumeDataDir } from './paths';

/** podman's `volume inspect` fields that mean something here. */
export interface VolumeRecord {
  Name: string;
  Driver: 'local';
  Mountpoint: string;
  CreatedAt: string;
  Labels: Record<string, string>;
  Scope: 'local';
  Options: Record<string, string>;
}

function volumeError(message: string, dir: string, err?: unknown): CtrmonError {
  return new CtrmonError(
    'ERR_VOLUME',
    err === undefined ? message : `${message}: ${errorMessage(err)}`,
    { path: dir },
    err === undefined ? undefined : { cause: err },
  );
}

function checkVolumeName(name: string): void {
  if (!VOLUME_NAME.test(name))
    throw new CtrmonError('ERR_INVALID_NAME', `invalid volume name ${JSON.stringify(name)}: use [a-zA-Z0-9][a-zA-Z0-9_.-]*`, { name });
}

const recordFile = (dir: string, name: string) => path.join(dir, name, 'volume.json');
const usersDir = (dir: string, name: string) => path.join(dir, name, 'users');

function readRecord(dir: string, name: string): VolumeRecord | null {
  let text: string;
  try {
    text = readFileSync(recordFile(dir, name), 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw volumeError(`cannot read volume ${name}`, dir, err);
  }
  try {
    return JSON.parse(text) as VolumeRecord;
  } catch (err) {
    throw volumeError(`volume ${name}: ${recordFile(dir, name)} is corrupt`, dir, err);
  }
}

export function inspectVolume(dir: string, name: string): VolumeRecord {
  const record = VOLUME_NAME.test(name) ? readRecord(dir, name) : null;
  if (!record) throw new CtrmonError('ERR_VOLUME', `no such volume ${name}`, { name, path: dir }, { exitCode: 125 });
  return record;
}

export function listVolumes(dir: string): VolumeRecord[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => VOLUME_NAME.test(n));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw volumeError('cannot list the volumes in', dir, err);
  }
  return names
    .sort()
    .map((n) => readRecord(dir, n))
    .filter((r): r is VolumeRecord => r !== null);
}

/**
 * Makes the volume: its _data and record are made beside it and renamed into place, so that a
 * volume is whole or absent. `existing: true` returns one that is there already (first use,
 * `create --ignore`); otherwise that is an error, as in podman.
 */
export function createVolume(dir: string, name: string, labels: Record<string, string> = {}, existing = false): VolumeRecord {
  checkVolumeName(name);
  const found = readRecord(dir, name);
  if (found) {
    if (existing) return found;
    throw new CtrmonError('ERR_VOLUME', `volume with name ${name} already exists`, { name, path: dir });
  }
  const record: VolumeRecord = {
    Name: name,
    Driver: 'local',
    Mountpoint: volumeDataDir(dir, name),
    CreatedAt: new Date().toISOString(),
    Labels: labels,
    Scope: 'local',
    Options: {},
  };
  const temp = path.join(dir, `.${name}.${process.pid}.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    rmSync(temp, { recursive: true, force: true });
    mkdirSync(path.join(temp, '_data'), { recursive: true, mode: 0o755 });
    replaceFile(path.join(temp, 'volume.json'), `${JSON.stringify(record, null, 2)}\n`);
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    throw volumeError(`cannot create volume ${name} in`, dir, err);
  }
  try {
    renameSync(temp, path.join(dir, name));
  } catch (err) {
    rmSync(temp, { recursive: true, force: true });
    const code = (err as NodeJS.ErrnoException).code;
    // Made meanwhile by another process.
    if ((code === 'ENOTEMPTY' || code === 'EEXIST') && existing) return inspectVolume(dir, name);
    if (code === 'ENOTEMPTY' || code === 'EEXIST') throw new CtrmonError('ERR_VOLUME', `volume with name ${name} already exists`, { name });
    throw volumeError(`cannot create volume ${name} in`, dir, err);
  }
  return record;
}

/** The containers whose live monitor uses the volume. */
export function volumeUsers(dir: string, name: string): string[] {
  let files: string[];
  try {
    files = readdirSync(usersDir(dir, name));
  } catch {
    return [];
  }
  return files
    .filter((f) => {
      try {
        return f.endsWith('.json') && isRunning(JSON.parse(readFileSync(path.join(usersDir(dir, name), f), 'utf8')) as ProcessIdentity);
      } catch {
        return false; // unreadable: its writer is gone mid-write
      }
    })
    .map((f) => f.slice(0, -'.json'.length));
}

/** Makes the volume if it is missing and records container's use of it; returns what ends the use. */
export function useVolume(dir: string, name: string, container: string, monitor: ProcessIdentity): () => void {
  createVolume(dir, name, {}, true);
  const file = path.join(usersDir(dir, name), `${container}.json`);
  try {
    mkdirSync(usersDir(dir, name), { recursive: true, mode: 0o700 });
    replaceFile(file, JSON.stringify(monitor), false);
  } catch (err) {
    throw volumeError(`cannot record the use of volume ${name}`, dir, err);
  }
  return () => rmSync(file, { force: true });
}

/** Removes the volume and its data; never one a running container uses. */
export function removeVolume(dir: string, name: string): void {
  inspectVolume(dir, name);
  const users = volumeUsers(dir, name);
  if (users.length) throw new CtrmonError('ERR_VOLUME', `volume ${name} is being used by container ${users.join(', ')}`, { name });
  try {
    rmSync(path.join(dir, name), { recursive: true, force: true });
  } catch (err) {
    throw volumeError(`cannot remove volume ${name} from`, dir, err);
  }
}

/** The volumes no running container uses, which `prune` removes. */
export function unusedVolumes(dir: string): VolumeRecord[] {
  return listVolumes(dir).filter((v) => volumeUsers(dir, v.Name).length === 0);
}
