// --unmask and --mask (podman's --security-opt unmask= and mask=): paths taken out of the config's
// maskedPaths and readonlyPaths (ALL: every one; a path may be a glob, * and ? within one path
// element, as podman matches them), then paths added to maskedPaths, so an explicit mask stands.
import type { RuntimeSpec } from '../oci';

export interface MaskedPathsInputs {
  mask?: string[];
  /** ['ALL'], or paths and globs. */
  unmask?: string[];
}

function globRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '[^/]*')
    .replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

export function applyMaskedPaths(spec: RuntimeSpec, { mask = [], unmask = [] }: MaskedPathsInputs): void {
  if (!mask.length && !unmask.length) return;
  spec.config.linux ??= {};
  const linux = spec.config.linux;
  let masked = (linux.maskedPaths as string[] | undefined) ?? [];
  let readonly = (linux.readonlyPaths as string[] | undefined) ?? [];
  if (unmask.includes('ALL')) {
    masked = [];
    readonly = [];
  } else if (unmask.length) {
    const globs = unmask.map(globRegExp);
    const kept = (p: string) => !globs.some((g) => g.test(p));
    masked = masked.filter(kept);
    readonly = readonly.filter(kept);
  }
  for (const p of mask) if (!masked.includes(p)) masked = [...masked, p];
  linux.maskedPaths = masked;
  linux.readonlyPaths = readonly;
}
