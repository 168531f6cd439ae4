// The network definitions: <networks-dir>/<name>.json, podman's file for each network, written
// whole (temporary file, fsync, rename). The default network is built in unless a file replaces it.
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';
import { replaceFile } from '../fs/durable-file';
import { readFileIfPresent } from '../fs/read-file';
import {
  BRIDGE_MODE,
  BUILTIN_DEFAULT,
  DEFAULT_NETWORK,
  type NetworkDefinition,
  type NetworkRequest,
  checkDefinition,
  checkNetworkName,
  defineNetwork,
} from './definition';

const fileOf = (dir: string, name: string) => path.join(dir, `${name}.json`);

function storeError(message: string, file: string, err: unknown): CtrmonError {
  return new CtrmonError('ERR_NETWORK', `${message}: ${errorMessage(err)}`, { path: file }, { cause: err });
}

function readDefinition(file: string): NetworkDefinition | null {
  let text: string | undefined;
  try {
    text = readFileIfPresent(file);
  } catch (err) {
    throw storeError('cannot read the network definition', file, err);
  }
  if (text === undefined) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw storeError(`network definition ${file} is not JSON`, file, err);
  }
  return checkDefinition(value, file);
}

/** Every network: the stored ones and the default, by name. */
export function listNetworks(dir: string): NetworkDefinition[] {
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw storeError('cannot list the networks', dir, err);
  }
  const stored = files.map((f) => readDefinition(path.join(dir, f))).filter((n): n is NetworkDefinition => n !== null);
  if (!stored.some((n) => n.name === DEFAULT_NETWORK)) stored.push(BUILTIN_DEFAULT);
  return stored.sort((a, b) => a.name.localeCompare(b.name));
}

/** The network a container names (bridge: the default one); an unknown name is one clear line. */
export function findNetwork(dir: string, name: string): NetworkDefinition {
  const wanted = name === BRIDGE_MODE ? DEFAULT_NETWORK : name;
  const stored = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(wanted) ? readDefinition(fileOf(dir, wanted)) : null;
  if (stored) return stored;
  if (wanted === DEFAULT_NETWORK) return BUILTIN_DEFAULT;
  throw new CtrmonError('ERR_NETWORK', `no such network ${name} (ctrmon network ls lists them; ${dir} holds their definitions)`, {
    name,
    path: dir,
  });
}

export function saveNetwork(dir: string, network: NetworkDefinition): void {
  const file = fileOf(dir, network.name);
  try {
    mkdirSync(dir, { recursive: true });
    replaceFile(file, `${JSON.stringify(network, null, 2)}\n`);
  } catch (err) {
    throw storeError(`cannot store network ${network.name}`, file, err);
  }
}

/** Removes a stored definition; the built-in default cannot be removed. */
export function removeNetwork(dir: string, name: string): void {
  checkNetworkName(name);
  const file = fileOf(dir, name);
  if (readDefinition(file) === null) {
    const why = name === DEFAULT_NETWORK ? 'the default network is built in' : 'no such network';
    throw new CtrmonError('ERR_NETWORK', `cannot remove network ${name}: ${why}`, { name, path: dir });
  }
  rmSync(file, { force: true });
}

/** Defines and stores a network; with ignore, one of that name already stored is returned as it is. */
export function createNetwork(dir: string, request: NetworkRequest, ignore: boolean): NetworkDefinition {
  const existing = listNetworks(dir);
  const same = existing.find((n) => n.name === request.name);
  if (same && ignore) return same;
  const network = defineNetwork(request, existing);
  saveNetwork(dir, network);
  return network;
}
