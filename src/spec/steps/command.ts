// The command: process.args, where a command given replaces what follows the source's entrypoint
// (podman: Entrypoint ++ (the command, else Cmd)); a bundle has none, so it replaces them all.
// --entrypoint replaces the source's entrypoint and, as podman's does, its default command too:
// the args become the entrypoint given ++ the command given.
import type { CtrmonError } from '../../errors';
import type { RuntimeSpec } from '../oci';

export interface CommandInputs {
  /** Replaces what follows the entrypoint when not empty. */
  command: string[];
  /** The part of process.args a command keeps: an image's Entrypoint; a bundle's: none. */
  entrypoint: string[];
  /** --entrypoint; [""] is none (podman's spelling of an empty entrypoint). */
  entrypointOverride?: string[];
  /** The error for a container with nothing to run, naming the source. */
  noCommand: () => CtrmonError;
}

export function applyCommand(spec: RuntimeSpec, { command, entrypoint, entrypointOverride, noCommand }: CommandInputs): void {
  const process = spec.config.process;
  if (entrypointOverride) {
    const given = entrypointOverride.length === 1 && entrypointOverride[0] === '' ? [] : entrypointOverride;
    process.args = [...given, ...command];
  } else if (command.length) process.args = [...entrypoint, ...command];
  if (!process.args?.length) throw noCommand();
}
