// Parsers for option values, shared by the command line and .container files. Each error names
// the option and the value it refused.
import { constants } from 'node:os';

import { CtrmonError } from '../errors';

export function badOption(option: string, value: string, why: string): CtrmonError {
  return new CtrmonError('ERR_INVALID_OPTION', `${option} ${JSON.stringify(value)}: ${why}`);
}

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/;

export function checkName(name: string): string {
  if (!NAME.test(name)) {
    throw new CtrmonError(
      'ERR_INVALID_NAME',
      `invalid container name ${JSON.stringify(name)}: use 1-128 of [a-zA-Z0-9_.-], starting with a letter or digit`,
      { name },
    );
  }
  return name;
}

const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration such as "30s", "1m30s", "500ms" or "2h"; a bare number is seconds. */
export function parseDuration(option: string, value: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Math.round(Number(text) * 1000);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS_MS[m[2]];
    matched = re.lastIndex;
  }
  if (text === '' || matched !== text.length) {
    throw badOption(option, value, 'expected a duration such as 30s, 1m30s, 500ms or a number of seconds');
  }
  return Math.round(total);
}

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, m: 1024 ** 2, mb: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3 };

/** A size such as "512", "64k", "10m" or "1g" (powers of 1024). */
export function parseSize(option: string, value: string): number {
  const m = /^(\d+)\s*([a-z]*)$/i.exec(value.trim());
  const unit = m ? SIZE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw badOption(option, value, 'expected a size such as 512, 64k, 10m or 1g');
  return Number(m[1]) * unit;
}

/** A signal by name (TERM, SIGTERM) or number. */
export function parseSignal(option: string, value: string): NodeJS.Signals {
  const signals = constants.signals as Record<string, number>;
  const upper = value.trim().toUpperCase();
  let name: string | undefined;
  if (/^\d+$/.test(upper)) name = Object.keys(signals).find((k) => signals[k] === Number(upper));
  else name = upper.startsWith('SIG') ? upper : `SIG${upper}`;
  if (!name || signals[name] === undefined) throw badOption(option, value, 'not a signal name or number');
  return name as NodeJS.Signals;
}

export function parseCount(option: string, value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1) throw badOption(option, value, 'expected a whole number of at least 1');
  return Number(value);
}

export function oneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw badOption(option, value, `expected one of ${allowed.join(', ')}`);
  return value as T;
}

/** KEY=VALUE; a bare KEY takes the value from ctrmon's own environment (like podman -e KEY). */
export function parseEnv(entries: string[], own: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? entry : entry.slice(0, eq);
    if (!/^[^=\0\s]+$/.test(key)) throw badOption('--env', entry, 'expected KEY=VALUE');
    if (eq >= 0) out.push(entry);
    else if (own[key] !== undefined) out.push(`${key}=${own[key]}`);
  }
  return out;
}

export function parseLabels(entries: string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq <= 0) throw badOption('--label', entry, 'expected KEY=VALUE');
    labels[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return labels;
}

/** Milliseconds as a duration the parsers read back exactly. */
export const formatMs = (value: number): string => `${value}ms`;

const TRUE_WORDS = new Set(['1', 'yes', 'y', 'true', 't', 'on']);
const FALSE_WORDS = new Set(['0', 'no', 'n', 'false', 'f', 'off']);

/** A boolean in any of systemd's spellings (yes/no, true/false, on/off, 1/0 ...). */
export function parseBoolean(option: string, value: string): boolean {
  const word = value.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  throw badOption(option, value, 'expected a boolean: true or false (also yes/no, on/off, 1/0)');
}
