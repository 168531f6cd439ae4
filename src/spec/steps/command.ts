// The command: process.args, where a command given replaces what follows the source's entrypoint
// (podman: Entrypoint ++ (the command, else Cmd)); a bundle has none, so it replaces them all.
import type { CtrmonError } from '../../errors';
import type { RuntimeSpec } from '../oci';

export interface CommandInputs {
  /** Replaces what follows the entrypoint when not empty. */
  command: string[];
  /** The part of process.args a command keeps: an image's Entrypoint; a bundle's: none. */
  entrypoint: string[];
  /** The error for a container with nothing to run, naming the source. */
  noCommand: () => CtrmonError;
}

export function applyCommand(spec: RuntimeSpec, { command, entrypoint, noCommand }: CommandInputs): void {
  const process = spec.config.process;
  if (command.length) process.args = [...entrypoint, ...command];
  if (!process.args?.length) throw noCommand();
}
