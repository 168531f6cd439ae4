// Platforms as OCI names them (GOOS/GOARCH), this machine's own, and the choice of one manifest
// from an index or manifest list with containers/image's rules: the same architecture only (an
// arm64 board never silently runs a 32-bit arm or an amd64 image), the best variant first.
import * as os from 'node:os';

import { CtrmonError } from '../errors';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

/** An entry of an index's `manifests`, as far as platform selection reads it. */
export interface PlatformCandidate {
  digest: string;
  mediaType?: string;
  platform?: { os?: string; architecture?: string; variant?: string };
}

const NODE_ARCH: Record<string, string> = {
  x64: 'amd64',
  ia32: '386',
  arm64: 'arm64',
  arm: 'arm',
  ppc64: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loong64: 'loong64',
  mips: 'mips',
  mipsel: 'mipsle',
};

const ARCH_ALIASES: Record<string, string> = {
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  i386: '386',
  armhf: 'arm',
  armel: 'arm',
};

// containers/image's compatibility lists: a variant also runs the ones after it. No entry crosses
// to another architecture.
const COMPATIBLE_VARIANTS: Record<string, string[]> = {
  arm: ['v8', 'v7', 'v6', 'v5'],
  arm64: ['v8'],
};

/** The platform this process runs on: userland architecture from process.arch (a 32-bit OS on a 64-bit kernel says arm). */
export function hostPlatform(
  arch: string = process.arch,
  armVersion: unknown = (process.config.variables as Record<string, unknown>).arm_version,
): Platform {
  let architecture = NODE_ARCH[arch] ?? arch;
  if (architecture === 'ppc64le' && os.endianness() === 'BE') architecture = 'ppc64';
  if (architecture === 'arm') {
    const version = String(armVersion ?? '7');
    return { os: 'linux', architecture, variant: `v${/^\d+$/.test(version) ? version : '7'}` };
  }
  if (architecture === 'arm64') return { os: 'linux', architecture, variant: 'v8' };
  return { os: 'linux', architecture };
}

function normalise(p: Platform): Platform {
  const architecture = ARCH_ALIASES[p.architecture] ?? p.architecture;
  let variant = p.variant || undefined;
  if (p.architecture === 'armhf' && variant === undefined) variant = 'v7';
  if (p.architecture === 'armel' && variant === undefined) variant = 'v6';
  return { os: p.os, architecture, ...(variant === undefined ? {} : { variant }) };
}

/** Parses `--platform os/arch[/variant]` (`linux/arm/v7`, `linux/aarch64`); ERR_PLATFORM on anything else. */
export function parsePlatform(text: string): Platform {
  const parts = text.split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((part) => !/^[a-z0-9._-]+$/.test(part))) {
    throw new CtrmonError(
      'ERR_PLATFORM',
      `invalid platform "${text}": expected os/arch[/variant] in lower case, e.g. linux/arm64 or linux/arm/v7`,
    );
  }
  return normalise({ os: parts[0], architecture: parts[1], ...(parts[2] === undefined ? {} : { variant: parts[2] }) });
}

export function formatPlatform(p: Platform): string {
  return `${p.os}/${p.architecture}${p.variant ? `/${p.variant}` : ''}`;
}

// The variants to accept for a wanted platform, best first (containers/image's platform matcher):
// the exact one, the older ones it runs, then none; with no wanted variant, none first.
function acceptedVariants(wanted: Platform): string[] {
  const compatible = COMPATIBLE_VARIANTS[wanted.architecture] ?? [];
  if (wanted.variant === undefined) return ['', ...compatible];
  const from = compatible.indexOf(wanted.variant);
  return [wanted.variant, ...(from === -1 ? [] : compatible.slice(from + 1)), ''];
}

/**
 * The entry of an index to run on `wanted`: for each accepted variant in order, the first entry
 * with that os, architecture and variant; entries without a platform only when nothing matches.
 * Attestation entries (`unknown/unknown`) are never chosen. ERR_PLATFORM lists what is available.
 */
export function selectPlatformManifest<T extends PlatformCandidate>(entries: readonly T[], wanted: Platform, subject: string): T {
  const want = normalise(wanted);
  const described = entries.filter((e) => e.platform !== undefined);
  for (const variant of acceptedVariants(want)) {
    const match = described.find((e) => {
      const p = normalise({ os: e.platform!.os ?? '', architecture: e.platform!.architecture ?? '', variant: e.platform!.variant });
      return p.os === want.os && p.architecture === want.architecture && (p.variant ?? '') === variant;
    });
    if (match) return match;
  }
  const undescribed = entries.find((e) => e.platform === undefined);
  if (undescribed) return undescribed;
  const available = described
    .filter((e) => e.platform!.os !== 'unknown' && e.platform!.architecture !== 'unknown')
    .map((e) => formatPlatform({ os: e.platform!.os ?? '?', architecture: e.platform!.architecture ?? '?', variant: e.platform!.variant }));
  throw new CtrmonError(
    'ERR_PLATFORM',
    `no image for platform ${formatPlatform(want)} in ${subject}; available: ${available.length > 0 ? available.join(', ') : 'none'}`,
    { name: subject },
  );
}
