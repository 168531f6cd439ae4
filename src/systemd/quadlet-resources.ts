// Quadlet's .volume, .image and .network files (podman-volume.unit(5), podman-image.unit(5),
// podman-network.unit(5)): each becomes a oneshot <name>-volume.service, <name>-image.service or
// <name>-network.service that makes the volume (`ctrmon volume create --ignore`), pulls the image
// (`ctrmon pull`) or defines the network (`ctrmon network create --ignore`), and stays active. A
// .container file that names one (Volume=data.volume:/data, Image=web.image, Network=app.network)
// gets what it stands for (the volume's or network's name, the image's reference) and Requires= and
// After= on its unit, as podman's generator does. Each kind's keys are declared once here, with their
// meaning for ctrmon; podman keys ctrmon has no feature for are refused with why, naming the file and
// line, and the file then makes nothing.
import * as path from 'node:path';

import { booleanOf, parseBoolean, parseCount, parseDuration, parseLabels } from '../config/parse';
import { CtrmonError, errorMessage } from '../errors';
import type { Host } from '../host/host';
import { formatPlatform, hostPlatform, parsePlatform } from '../image/platform';
import { formatReference, parseReference } from '../image/reference';
import { addressValue, parseSubnet } from '../network/address';
import { type NetworkRequest, checkNetworkName, defineNetwork } from '../network/definition';
import { VOLUME_NAME } from '../volume/paths';
import { SpecifierMarkers } from './specifiers';
import { installEntries, quadletUnitName, refuseExecStart, unitEntries } from './quadlet-sections';
import { type Entries, ctrmonCommand, renderSections } from './unit-generator';
import { type UnitEntry, parseUnitFile, quoteWord, splitWords, unitError, unquoteValue } from './unit-file';

export type ResourceKindName = '.volume' | '.image' | '.network';

/** One key of a resource section: list keys accumulate (an empty assignment resets them), others: the last wins. */
interface ResourceKey {
  list?: boolean;
  /** Throws when the value cannot be used (the message says why). */
  check?: (value: string) => void;
}

type Values = Record<string, string[]>;

interface ResourceKind {
  section: string;
  keys: Record<string, ResourceKey>;
  /** podman keys of the section ctrmon refuses, with why. */
  refused: Record<string, string>;
  /** What a .container's value naming the file stands for. */
  provides(values: Values, base: string): string;
  /** The ctrmon commands the unit runs (after node and ctrmon), one ExecStart= each. */
  commands(values: Values, host: Host, provides: string): string[][];
  /** The store it writes, which must be mounted first. */
  writes(host: Host): string;
  /** A pull needs the network. */
  network: boolean;
}

const PODMAN_ONLY = "podman's command line: ctrmon runs no podman";
const last = (values: Values, key: string) => values[key]?.at(-1);
const only = (allowed: string, why: string) => (value: string) => {
  if (value !== allowed) throw new Error(why);
};
const isBoolean = (key: string) => (value: string) => parseBoolean(key, value);
/** A boolean whose true ctrmon has no feature for: true is refused with why. */
const onlyFalse = (key: string, why: string) => (value: string) => {
  if (parseBoolean(key, value)) throw new Error(why);
};
export const RESOURCE_KINDS: Record<ResourceKindName, ResourceKind> = {
  '.volume': {
    section: 'Volume',
    keys: {
      VolumeName: {
        check: (v) => {
          if (!VOLUME_NAME.test(v)) throw new Error('a volume name is [a-zA-Z0-9][a-zA-Z0-9_.-]*');
        },
      },
      Label: { list: true, check: (v) => parseLabels([v], 'Label') },
      Driver: { check: only('local', "ctrmon's volumes are local directories: Driver=local or nothing") },
      Copy: { check: onlyFalse('Copy', "ctrmon does not copy an image's content into a volume: a new volume is empty (Copy=false)") },
    },
    refused: {
      Device: "ctrmon's volumes are directories: it mounts no device or file system into one",
      Type: "ctrmon's volumes are directories: it mounts no device or file system into one",
      Options: "ctrmon's volumes are directories: it mounts no device or file system into one",
      User: "ctrmon makes a volume's directory root's (0755); let the container's process own what it writes, or chown it once",
      Group: "ctrmon makes a volume's directory root's (0755); let the container's process own what it writes, or chown it once",
      Image: 'ctrmon has no image volumes (Driver=image)',
      PodmanArgs: PODMAN_ONLY,
      GlobalArgs: PODMAN_ONLY,
      ContainersConfModule: PODMAN_ONLY,
    },
    provides: (values, base) => last(values, 'VolumeName') ?? `systemd-${base}`,
    commands: (values, _host, name) => [['volume', 'create', '--ignore', ...(values.Label ?? []).flatMap((l) => ['--label', l]), name]],
    writes: (host) => host.paths.volumesDir,
    network: false,
  },
  '.image': {
    section: 'Image',
    keys: {
      Image: { check: (v) => parseReference(v) },
      ImageTag: { check: (v) => parseReference(v) },
      Arch: {},
      OS: {},
      Variant: {},
      AuthFile: {},
      TLSVerify: { check: isBoolean('TLSVerify') },
      Retry: { check: (v) => parseCount('Retry', v, 0) },
      RetryDelay: { check: (v) => parseDuration('RetryDelay', v) },
      Policy: {
        check: only('always', "`ctrmon pull` always asks the registry (Policy=always); a container's Pull= decides when it pulls itself"),
      },
    },
    refused: {
      AllTags: 'ctrmon pulls one reference: write an .image file for each tag',
      CertDir: "ctrmon trusts the system's certificate store; add a registry's CA there",
      Creds: 'put the credentials in an AuthFile= (containers-auth.json), which stays out of the unit',
      DecryptionKey: 'ctrmon does not decrypt encrypted images',
      PodmanArgs: PODMAN_ONLY,
      GlobalArgs: PODMAN_ONLY,
      ContainersConfModule: PODMAN_ONLY,
    },
    provides: (values) => formatReference(parseReference((last(values, 'ImageTag') ?? last(values, 'Image'))!)),
    commands: (values) => {
      const image = last(values, 'Image')!;
      const tag = last(values, 'ImageTag');
      const platform = platformOf(values);
      const tls = last(values, 'TLSVerify');
      const pull = [
        'pull',
        ...(platform ? ['--platform', platform] : []),
        ...option('--authfile', last(values, 'AuthFile')),
        ...(tls !== undefined && booleanOf(tls) === false ? ['--tls-verify', 'false'] : []),
        ...option('--retry', last(values, 'Retry')),
        ...option('--retry-delay', last(values, 'RetryDelay')),
        image,
      ];
      return tag === undefined ? [pull] : [pull, ['tag', image, tag]];
    },
    writes: (host) => host.paths.storeRoot,
    network: true,
  },
  '.network': {
    section: 'Network',
    keys: {
      NetworkName: { check: (v) => checkNetworkName(v) },
      Driver: { check: only('bridge', "ctrmon's networks are netavark bridges: Driver=bridge or nothing") },
      IPAMDriver: { check: only('host-local', 'ctrmon allocates the addresses itself: IPAMDriver=host-local or nothing') },
      Subnet: {
        list: true,
        check: (v) => {
          if (!parseSubnet(v)) throw new Error('not a network address with a prefix (10.89.0.0/24, fd00::/64)');
        },
      },
      Gateway: {
        list: true,
        check: (v) => {
          if (!addressValue(v)) throw new Error('not an IP address');
        },
      },
      IPRange: {
        list: true,
        check: (v) => {
          if (!parseSubnet(v)) throw new Error('ctrmon takes an IP range as a subnet within the subnet (10.89.0.128/25), not start-end');
        },
      },
      InterfaceName: {},
      Internal: { check: isBoolean('Internal') },
      DisableDNS: { check: isBoolean('DisableDNS') },
      IPv6: { check: isBoolean('IPv6') },
      Label: { list: true, check: (v) => parseLabels([v], 'Label') },
      Options: { list: true, check: (v) => parseLabels([v], 'Options') },
      NetworkDeleteOnStop: {
        check: onlyFalse(
          'NetworkDeleteOnStop',
          'ctrmon keeps a network when its unit stops (NetworkDeleteOnStop=false): `ctrmon network rm` removes it',
        ),
      },
    },
    refused: {
      DNS: 'a ctrmon network has no nameservers of its own: give DNS= in each .container on it',
      PodmanArgs: PODMAN_ONLY,
      GlobalArgs: PODMAN_ONLY,
      ContainersConfModule: PODMAN_ONLY,
    },
    provides: (values, base) => last(values, 'NetworkName') ?? `systemd-${base}`,
    commands: (values, _host, name) => [networkCreate(networkRequest(values, name))],
    writes: (host) => host.paths.networksDir,
    network: false,
  },
};

const option = (flag: string, value: string | undefined) => (value === undefined ? [] : [flag, value]);

/** Arch=, OS= and Variant= as --platform, the rest from this machine's; undefined when none is set. */
function platformOf(values: Values): string | undefined {
  const [os, arch, variant] = ['OS', 'Arch', 'Variant'].map((k) => last(values, k));
  if (os === undefined && arch === undefined && variant === undefined) return undefined;
  const host = hostPlatform();
  const architecture = arch ?? host.architecture;
  // The machine's variant belongs to its architecture only.
  const v = variant ?? (arch === undefined ? host.variant : undefined);
  return formatPlatform(parsePlatform(`${os ?? host.os}/${architecture}${v ? `/${v}` : ''}`));
}

/** What a [Network] section asks `ctrmon network create` for, checked as that command checks it. */
function networkRequest(values: Values, name: string): NetworkRequest {
  const yes = (key: string) => booleanOf(last(values, key) ?? '') === true;
  const request: NetworkRequest = {
    name,
    subnets: values.Subnet ?? [],
    gateways: values.Gateway ?? [],
    ipRanges: values.IPRange ?? [],
    interfaceName: last(values, 'InterfaceName'),
    internal: yes('Internal'),
    disableDns: yes('DisableDNS'),
    ipv6: yes('IPv6'),
    driver: 'bridge',
    labels: parseLabels(values.Label ?? []),
    options: parseLabels(values.Options ?? [], '--opt'),
  };
  // Beside no other network: a gateway outside its subnet is the generator's error, not the unit's at start.
  defineNetwork(request, []);
  return request;
}

/** `ctrmon network create --ignore` with the request's flags (none for a default). */
function networkCreate(r: NetworkRequest): string[] {
  const pairs = (flag: string, record: Record<string, string>) => Object.entries(record).flatMap(([k, v]) => [flag, `${k}=${v}`]);
  return [
    'network',
    'create',
    '--ignore',
    // Each subnet with its gateway and range, as podman writes them: the command pairs them by place.
    ...r.subnets.flatMap((s, i) => ['--subnet', s, ...option('--gateway', r.gateways[i]), ...option('--ip-range', r.ipRanges[i])]),
    ...option('--interface-name', r.interfaceName),
    ...(r.internal ? ['--internal'] : []),
    ...(r.disableDns ? ['--disable-dns'] : []),
    ...(r.ipv6 ? ['--ipv6'] : []),
    ...pairs('--label', r.labels),
    ...pairs('--opt', r.options),
    r.name,
  ];
}

export interface ResourceUnit {
  /** <base>-volume.service, <base>-image.service or <base>-network.service */
  unitName: string;
  /** The volume's or network's name, or the image's reference, for a .container that names the file. */
  provides: string;
  text: string;
  install: Entries;
}

export function resourceKindOf(name: string): ResourceKindName | null {
  const ext = path.extname(name);
  return Object.hasOwn(RESOURCE_KINDS, ext) ? (ext as ResourceKindName) : null;
}

/**
 * Turns one .volume, .image or .network file (its text, or its entries with its drop-ins') into its unit for
 * host; command is node and ctrmon as ExecStart names them (default: this installation's).
 */
export function resourceToUnit(
  file: string,
  source: string | UnitEntry[],
  header: string,
  host: Host,
  command: string[] = ctrmonCommand(),
  context: { known?: ReadonlySet<string>; warn?: (message: string) => void } = {},
): ResourceUnit {
  const entries = typeof source === 'string' ? parseUnitFile(source, file) : source;
  const kindName = resourceKindOf(file);
  if (!kindName) throw new CtrmonError('ERR_UNIT_FILE', `${file}: not a .volume, .image or .network file`, { path: file });
  const kind = RESOURCE_KINDS[kindName];
  const warn = context.warn ?? ((message: string) => process.stderr.write(`warning: ${message}\n`));
  // Specifiers pass through to the unit for systemd to expand (specifiers.ts).
  const markers = new SpecifierMarkers(entries.map((e) => e.value).join('\n'));
  const values: Values = {};
  const sections: Record<string, UnitEntry[]> = { Unit: [], Service: [], Install: [] };
  // A [Volume] section may be empty, or absent: `data.volume` alone is a volume named after it.
  for (const e of entries) {
    if (e.section === kind.section) {
      const value = markers.hide(e.value, () => `${e.file}:${e.line}: ${e.key}=`);
      values[e.key] = readKey(kind, { ...e, value }, values[e.key] ?? [], warn, markers);
    } else if (sections[e.section]) {
      sections[e.section].push(e);
    } else {
      throw unitError(e.file, e.line, `unknown section [${e.section}]`);
    }
  }
  if (kindName === '.image' && last(values, 'Image') === undefined)
    throw unitError(file, null, '[Image] needs Image= (an image reference)');
  const base = path.basename(file, kindName);
  const unitName = quadletUnitName(path.basename(file))!;
  let provides: string;
  let commands: string[][];
  try {
    provides = kind.provides(values, base);
    commands = kind.commands(values, host, provides);
  } catch (err) {
    throw unitError(file, null, markers.reveal(errorMessage(err)));
  }
  refuseExecStart(sections.Service, `(ctrmon ${commands[0][0]}): what it does comes from [${kind.section}]`);
  const type = sections.Service.filter((e) => e.key === 'Type').at(-1);
  if (type && type.value !== 'oneshot') throw unitError(type.file, type.line, `Type=${type.value}: the unit is Type=oneshot`);
  const unit: Entries = [
    ['Description', `ctrmon ${kind.section.toLowerCase()} ${provides}`],
    ['SourcePath', file],
    ...(kind.network && host.manager === 'system'
      ? ([
          ['Wants', 'network-online.target'],
          ['After', 'network-online.target'],
        ] as Entries)
      : []),
    ['RequiresMountsFor', quoteWord(kind.writes(host))],
  ];
  const service: Entries = [
    ['Type', 'oneshot'],
    ['RemainAfterExit', 'yes'],
    ['SyslogIdentifier', '%N'],
    ...commands.map((args): [string, string] => ['ExecStart', [...command, ...args].map(quoteWord).join(' ')]),
  ];
  const install = installEntries(sections.Install, warn);
  const text = renderSections(
    header,
    { Unit: unit, Service: service },
    {
      Unit: unitEntries(sections.Unit, context.known ?? new Set()),
      Service: sections.Service.map((e) => [e.key, e.value]),
      Install: install,
    },
  );
  return { unitName, provides: markers.reveal(provides), text: markers.reveal(text), install };
}

/** One entry of a resource section: checked, then added to (a list key) or replacing (any other) the values so far. */
function readKey(kind: ResourceKind, e: UnitEntry, before: string[], warn: (message: string) => void, markers: SpecifierMarkers): string[] {
  const refused = kind.refused[e.key];
  if (refused !== undefined) throw unitError(e.file, e.line, `${e.key}= is not supported: ${refused}`);
  const spec = kind.keys[e.key];
  if (!spec) {
    const supported = Object.keys(kind.keys).join(', ');
    throw unitError(e.file, e.line, `unsupported key ${e.key}= in [${kind.section}] (supported: ${supported})`);
  }
  if (spec.list && e.value === '') return [];
  const values = spec.list ? splitWords(e.value, () => `${e.file}:${e.line}: ${e.key}=`, warn) : [unquoteValue(e.value)];
  for (const v of values) {
    try {
      spec.check?.(v);
    } catch (err) {
      throw unitError(e.file, e.line, markers.reveal(`${e.key}=${v}: ${errorMessage(err).replace(/^\S+ "[^"]*": /, '')}`));
    }
  }
  return spec.list ? [...before, ...values] : values;
}

/** The list keys of every resource section, as `Section.Key` (an empty assignment in a drop-in resets them). */
export const RESOURCE_LIST_KEYS: readonly string[] = Object.values(RESOURCE_KINDS).flatMap((kind) =>
  Object.entries(kind.keys)
    .filter(([, spec]) => spec.list)
    .map(([key]) => `${kind.section}.${key}`),
);
