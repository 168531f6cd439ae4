// `ctrmon exec`: a command run in a monitored container through the runtime its monitor uses (the
// state file's runtime path and global options), as `podman exec` does; a unit's ExecReload= runs
// --reload-cmd this way.
import * as path from 'node:path';

import { CtrmonError } from '../errors';
import { monitorAlive } from '../state/liveness';
import { containerDir } from '../state/paths';
import { readContainerState } from '../state/reader';
import { OciRuntime } from './oci-runtime';

/** Runs argv in the container called name under stateDir, attached to this process's stdio; resolves with its exit code. */
export async function execInContainer(stateDir: string, name: string, argv: string[]): Promise<number> {
  const state = readContainerState(stateDir, name);
  if (state.phase === 'exited' || state.phase === 'creating' || !monitorAlive(state) || !state.runtime.path)
    throw new CtrmonError('ERR_RUNTIME_FAILED', `container ${name} is not running (${state.phase})`, { name });
  // A runtime that sees NOTIFY_SOCKET (systemd sets it for ExecReload=) would talk to systemd itself.
  const { NOTIFY_SOCKET: _ignored, ...env } = process.env;
  const runtime = new OciRuntime(
    { path: state.runtime.path, name: state.runtime.name },
    { globalArgs: state.runtime.args, logFile: path.join(containerDir(stateDir, name), 'exec.log'), env },
  );
  return runtime.execAttached(name, argv);
}
