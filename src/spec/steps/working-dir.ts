// --workdir: the directory the container's process starts in, instead of the image's WorkingDir or
// the bundle's process.cwd.
import type { RuntimeSpec } from '../oci';

export interface WorkingDirInputs {
  workdir?: string;
}

export function applyWorkingDir(spec: RuntimeSpec, { workdir }: WorkingDirInputs): void {
  if (workdir !== undefined) spec.config.process.cwd = workdir;
}
