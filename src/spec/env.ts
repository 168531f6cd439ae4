// The container's environment as the steps edit it: KEY=VALUE entries, one per key.
import type { OciConfig } from './oci';

export function envKey(entry: string): string {
  const eq = entry.indexOf('=');
  return eq < 0 ? entry : entry.slice(0, eq);
}

export function hasEnv(config: OciConfig, key: string): boolean {
  return (config.process.env ?? []).some((e) => envKey(e) === key);
}

/** Later lists replace earlier entries with the same key, in the position of the first. */
export function mergeEnv(...lists: string[][]): string[] {
  const out = new Map<string, string>();
  for (const list of lists) for (const entry of list) out.set(envKey(entry), entry);
  return [...out.values()];
}

/** Appends entries after removing the config's own for their keys and for `drop` (what the host gives wins). */
export function appendEnv(config: OciConfig, entries: string[], drop: string[] = []): void {
  const replaced = new Set([...entries.map(envKey), ...drop]);
  config.process.env = [...(config.process.env ?? []).filter((e) => !replaced.has(envKey(e))), ...entries];
}
