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

/** The flags that need a network of the container's own, with what they are for. */
export interface NetworkUses {
  publish: string[];
  ips: string[];
  aliases: string[];
  dns: string[];
}

/**
 * The mode, from --network and the options that need one: publishing a port without --network
 * gives the default bridge (as a .container's PublishPort= does in podman); with host or none they
 * are refused, naming the option.
 */
export function networkMode(given: string | undefined, uses: NetworkUses): string | undefined {
  const mode = given === undefined ? undefined : checkNetworkMode(given);
  if (mode === undefined && uses.publish.length) return BRIDGE_MODE;
  if (isBridged(mode)) return mode;
  const needs: [keyof NetworkUses, string, string][] = [
    ['publish', '--publish', 'needs a network of its own to map'],
    ['ips', '--ip', 'is an address on a bridge network'],
    ['aliases', '--network-alias', 'is a name on a bridge network'],
  ];
  if (mode === 'host') needs.push(['dns', '--dns', "has no effect: with --network host the container uses the host's resolv.conf"]);
  for (const [key, flag, why] of needs) {
    const value = uses[key][0];
    if (value !== undefined) throw badOption(flag, value, `${why} (--network ${mode ?? "is the source's own"})`);
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
