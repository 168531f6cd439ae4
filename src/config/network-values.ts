// The network options' values, as podman reads them: --network's modes and names, and the checks
// that tie the other network options to a mode that can use them. Ports, addresses and DNS values
// are parsed by the network modules that use them (network/ports.ts, network/etc-files.ts).
import { CtrmonError } from '../errors';
import { addressValue } from '../network/address';
import { BRIDGE_MODE, checkNetworkName } from '../network/definition';
import { NETWORK_MODES } from '../spec/steps/network';
import { badOption } from './parse';

/** podman's modes that one container per unit cannot have, each with the reason. */
const REFUSED_MODES: [RegExp, string][] = [
  [
    /^(container|ns):/,
    "a unit's container would join a namespace that another unit's restart (an auto-update, a rollback) replaces; " +
      'give both containers one named network and let them reach each other by name',
  ],
  [/^(pasta|slirp4netns|private)(:|$)/, "rootful ctrmon's networks are netavark bridges: use bridge or a network's name"],
];

/** Whether mode is a network ctrmon sets up (bridge or a name), rather than host, none or the source's own. */
export function isBridged(mode: string | undefined): boolean {
  return mode !== undefined && !(NETWORK_MODES as readonly string[]).includes(mode);
}

/** --network's value: host, none, bridge (the default network) or a network's name. */
export function checkNetworkMode(value: string): string {
  for (const [re, why] of REFUSED_MODES) if (re.test(value)) throw badOption('--network', value, why);
  if ((NETWORK_MODES as readonly string[]).includes(value) || value === BRIDGE_MODE) return value;
  try {
    return checkNetworkName(value);
  } catch {
    throw badOption('--network', value, `expected host, none, ${BRIDGE_MODE} or a network's name`);
  }
}

/** The values of the flags that need a network of the container's own, by flag (--publish, --ip ...). */
export type NetworkUses = Record<string, string[]>;

/** Why each of those flags needs a network of its own; the last only with --network host. */
const NEEDS: [flag: string, why: string, onlyHost?: boolean][] = [
  ['--publish', 'needs a network of its own to map'],
  ['--ip', 'is an address on a bridge network'],
  ['--ip6', 'is an address on a bridge network'],
  ['--network-alias', 'is a name on a bridge network'],
  ...['--dns', '--dns-search', '--dns-option'].map((flag): [string, string, boolean] => [
    flag,
    "has no effect: with --network host the container uses the host's resolv.conf",
    true,
  ]),
];

/**
 * The mode, from --network and the options that need one: publishing a port without --network
 * gives the default bridge (as a .container's PublishPort= does in podman); with host or none they
 * are refused, naming the option. sourceDefault: the mode the source has when none is given.
 */
export function networkMode(given: string | undefined, uses: NetworkUses, sourceDefault?: string): string | undefined {
  const mode = given === undefined ? undefined : checkNetworkMode(given);
  if (mode === undefined && uses['--publish']?.length) return BRIDGE_MODE;
  if (isBridged(mode)) return mode;
  // Checked against what the container gets: an image's default (host) when none is given.
  const effective = mode ?? sourceDefault;
  for (const [flag, why, onlyHost] of NEEDS) {
    const value = uses[flag]?.[0];
    if (value !== undefined && (!onlyHost || effective === 'host'))
      throw badOption(flag, value, `${why} (--network ${effective ?? "is the source's own"})`);
  }
  return mode;
}

export function checkAddress(flag: '--ip' | '--ip6', value: string): string {
  const family = addressValue(value)?.family;
  if (family !== (flag === '--ip' ? 4 : 6)) throw badOption(flag, value, `not an IPv${flag === '--ip' ? 4 : 6} address`);
  return value;
}

export function checkAlias(value: string): string {
  if (!/^[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?$/.test(value))
    throw new CtrmonError('ERR_INVALID_OPTION', `--network-alias ${JSON.stringify(value)}: not a DNS name`);
  return value;
}
