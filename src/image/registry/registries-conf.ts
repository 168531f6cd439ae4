// registries.conf v2 (containers-registries.conf(5)): the `[[registry]]` entries ctrmon honours
// (prefix, location, insecure, blocked, mirrors), read from the same files as containers/image.
// The TOML reader is a subset: comments, `[table]`, `[[array.of.tables]]`, bare or quoted keys,
// single-line basic and literal strings, booleans, integers, arrays (over several lines) and
// inline tables. Not supported (an error naming the line): multi-line strings, dotted keys, floats
// and dates, none of which registries.conf uses. Top-level keys and other tables are read but unused.
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../../errors';

export type PullFromMirror = 'all' | 'digest-only' | 'tag-only';

export interface RegistryMirror {
  location: string;
  insecure: boolean;
  pullFromMirror: PullFromMirror;
}

export interface RegistryEntry {
  /** What a reference's name is matched against: `host[/path]` or `*.domain`. */
  prefix: string;
  /** Where the matching names are pulled from instead (the prefix replaced by it). */
  location: string;
  insecure: boolean;
  blocked: boolean;
  mirrorByDigestOnly: boolean;
  mirrors: RegistryMirror[];
}

export interface RegistriesConf {
  registries: RegistryEntry[];
  /** The files read, in order. */
  files: string[];
}

export const EMPTY_REGISTRIES_CONF: RegistriesConf = { registries: [], files: [] };

type TomlValue = string | number | boolean | TomlValue[] | TomlTable;
interface TomlTable {
  [key: string]: TomlValue;
}

class TomlReader {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly file: string,
  ) {}

  private fail(what: string): never {
    const line = this.text.slice(0, this.pos).split('\n').length;
    throw new CtrmonError('ERR_REGISTRY', `${this.file}:${line}: ${what}`, { path: this.file });
  }

  private skipSpace(newlines: boolean): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || c === '\r' || (newlines && c === '\n')) this.pos++;
      else if (c === '#') while (this.pos < this.text.length && this.text[this.pos] !== '\n') this.pos++;
      else return;
    }
  }

  private endOfLine(): void {
    this.skipSpace(false);
    if (this.pos < this.text.length && this.text[this.pos] !== '\n') this.fail(`unexpected "${this.text[this.pos]}"`);
  }

  private key(): string {
    const c = this.text[this.pos];
    if (c === '"' || c === "'") return this.string();
    const m = /^[A-Za-z0-9_-]+/.exec(this.text.slice(this.pos));
    if (!m) this.fail('expected a key');
    this.pos += m[0].length;
    return m[0];
  }

  private tablePath(): string[] {
    const parts: string[] = [];
    for (;;) {
      this.skipSpace(false);
      parts.push(this.key());
      this.skipSpace(false);
      if (this.text[this.pos] !== '.') return parts;
      this.pos++;
    }
  }

  private string(): string {
    const quote = this.text[this.pos++];
    if (this.text.startsWith(quote.repeat(2), this.pos)) this.fail('multi-line strings are not supported');
    let out = '';
    for (;;) {
      const c = this.text[this.pos++];
      if (c === undefined || c === '\n') this.fail('unterminated string');
      if (c === quote) return out;
      if (c === '\\' && quote === '"') {
        const e = this.text[this.pos++];
        const simple: Record<string, string> = { b: '\b', t: '\t', n: '\n', f: '\f', r: '\r', '"': '"', '\\': '\\' };
        if (e in simple) out += simple[e];
        else if (e === 'u' || e === 'U') {
          const len = e === 'u' ? 4 : 8;
          const hex = this.text.slice(this.pos, this.pos + len);
          if (!/^[0-9A-Fa-f]+$/.test(hex) || hex.length !== len) this.fail('bad \\u escape');
          out += String.fromCodePoint(parseInt(hex, 16));
          this.pos += len;
        } else this.fail(`bad escape \\${e}`);
      } else out += c;
    }
  }

  private value(): TomlValue {
    const c = this.text[this.pos];
    if (c === '"' || c === "'") return this.string();
    if (c === '[') {
      this.pos++;
      const items: TomlValue[] = [];
      for (;;) {
        this.skipSpace(true);
        if (this.text[this.pos] === ']') break;
        items.push(this.value());
        this.skipSpace(true);
        if (this.text[this.pos] === ',') this.pos++;
        else if (this.text[this.pos] !== ']') this.fail('expected , or ] in an array');
      }
      this.pos++;
      return items;
    }
    if (c === '{') {
      this.pos++;
      const table: TomlTable = {};
      this.skipSpace(false);
      while (this.text[this.pos] !== '}') {
        const k = this.key();
        this.skipSpace(false);
        if (this.text[this.pos++] !== '=') this.fail('expected = in an inline table');
        this.skipSpace(false);
        table[k] = this.value();
        this.skipSpace(false);
        if (this.text[this.pos] === ',') this.pos++;
        else if (this.text[this.pos] !== '}') this.fail('expected , or } in an inline table');
        this.skipSpace(false);
      }
      this.pos++;
      return table;
    }
    const m = /^(true|false|[+-]?\d+)(?=[\s,\]}#]|$)/.exec(this.text.slice(this.pos));
    if (!m) this.fail('unsupported value (strings, booleans, integers, arrays and inline tables only)');
    this.pos += m[0].length;
    return m[1] === 'true' ? true : m[1] === 'false' ? false : Number(m[1]);
  }

  read(): TomlTable {
    const root: TomlTable = {};
    let current = root;
    for (;;) {
      this.skipSpace(true);
      if (this.pos >= this.text.length) return root;
      if (this.text[this.pos] === '[') {
        const array = this.text[this.pos + 1] === '[';
        this.pos += array ? 2 : 1;
        const parts = this.tablePath();
        if (!this.text.startsWith(array ? ']]' : ']', this.pos)) this.fail('unterminated table header');
        this.pos += array ? 2 : 1;
        this.endOfLine();
        current = this.openTable(root, parts, array);
        continue;
      }
      const k = this.key();
      this.skipSpace(false);
      if (this.text[this.pos] === '.') this.fail('dotted keys are not supported');
      if (this.text[this.pos++] !== '=') this.fail('expected =');
      this.skipSpace(false);
      if (k in current) this.fail(`duplicate key "${k}"`);
      current[k] = this.value();
      this.endOfLine();
    }
  }

  // `[[a.b]]` appends a table to the array b of the last element of a (TOML's rule).
  private openTable(root: TomlTable, parts: string[], array: boolean): TomlTable {
    let table = root;
    for (const [i, part] of parts.entries()) {
      const last = i === parts.length - 1;
      let next = table[part];
      if (last && array) {
        if (next === undefined) next = table[part] = [];
        if (!Array.isArray(next)) this.fail(`"${part}" is not an array of tables`);
        const created: TomlTable = {};
        next.push(created);
        return created;
      }
      if (next === undefined) next = table[part] = {};
      if (Array.isArray(next)) next = next[next.length - 1];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) this.fail(`"${part}" is not a table`);
      table = next as TomlTable;
    }
    return table;
  }
}

/** Parses TOML text within the subset above. */
export function parseToml(text: string, file: string): Record<string, unknown> {
  return new TomlReader(text, file).read();
}

function str(table: TomlTable, key: string, file: string): string | undefined {
  const v = table[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new CtrmonError('ERR_REGISTRY', `${file}: "${key}" must be a string`, { path: file });
  return v;
}

function bool(table: TomlTable, key: string, file: string): boolean {
  const v = table[key];
  if (v === undefined) return false;
  if (typeof v !== 'boolean') throw new CtrmonError('ERR_REGISTRY', `${file}: "${key}" must be true or false`, { path: file });
  return v;
}

function registryEntry(table: TomlTable, file: string): RegistryEntry {
  const location = (str(table, 'location', file) ?? '').replace(/\/+$/, '');
  const prefix = (str(table, 'prefix', file) ?? location).replace(/\/+$/, '');
  if (prefix === '') throw new CtrmonError('ERR_REGISTRY', `${file}: a [[registry]] needs a prefix or a location`, { path: file });
  if (prefix.startsWith('*.') && location !== '') {
    throw new CtrmonError('ERR_REGISTRY', `${file}: [[registry]] prefix "${prefix}": a wildcard prefix cannot have a location`, {
      path: file,
    });
  }
  const mirrors = table.mirror ?? [];
  if (!Array.isArray(mirrors)) throw new CtrmonError('ERR_REGISTRY', `${file}: "mirror" must be an array of tables`, { path: file });
  return {
    prefix,
    location,
    insecure: bool(table, 'insecure', file),
    blocked: bool(table, 'blocked', file),
    mirrorByDigestOnly: bool(table, 'mirror-by-digest-only', file),
    mirrors: mirrors.map((m) => {
      if (typeof m !== 'object' || m === null || Array.isArray(m))
        throw new CtrmonError('ERR_REGISTRY', `${file}: a mirror must be a table`, { path: file });
      const pull = str(m, 'pull-from-mirror', file) ?? 'all';
      if (pull !== 'all' && pull !== 'digest-only' && pull !== 'tag-only') {
        throw new CtrmonError('ERR_REGISTRY', `${file}: pull-from-mirror must be all, digest-only or tag-only, not "${pull}"`, {
          path: file,
        });
      }
      const mirrorLocation = str(m, 'location', file);
      if (!mirrorLocation) throw new CtrmonError('ERR_REGISTRY', `${file}: a mirror of "${prefix}" has no location`, { path: file });
      return { location: mirrorLocation.replace(/\/+$/, ''), insecure: bool(m, 'insecure', file), pullFromMirror: pull };
    }),
  };
}

export interface RegistriesConfOptions {
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** Read this file (and no drop-ins) instead of the default search. */
  path?: string;
}

function listDropIns(dir: string): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.conf'))
      .sort()
      .map((f) => path.join(dir, f));
  } catch {
    return [];
  }
}

function readIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CtrmonError('ERR_REGISTRY', `cannot read ${file}: ${errorMessage(err)}`, { path: file }, { cause: err });
  }
}

/**
 * Reads registries.conf as containers/image does: CONTAINERS_REGISTRIES_CONF alone when set, else
 * ~/.config/containers/registries.conf when it exists or /etc/containers/registries.conf, then the
 * drop-ins of /etc/containers/registries.conf.d and ~/.config/containers/registries.conf.d in
 * name order. A later `[[registry]]` with the same prefix replaces the earlier one. Missing files are no error.
 */
export function loadRegistriesConf(options: RegistriesConfOptions = {}): RegistriesConf {
  const env = options.env ?? process.env;
  const home = options.home ?? env.HOME ?? '/root';
  const explicit = options.path ?? env.CONTAINERS_REGISTRIES_CONF;
  const userConf = path.join(home, '.config', 'containers', 'registries.conf');
  const files = explicit
    ? [explicit]
    : [
        readIfPresent(userConf) === undefined ? '/etc/containers/registries.conf' : userConf,
        ...listDropIns('/etc/containers/registries.conf.d'),
        ...listDropIns(`${userConf}.d`),
      ];
  const byPrefix = new Map<string, RegistryEntry>();
  const read: string[] = [];
  for (const file of files) {
    const text = readIfPresent(file);
    if (text === undefined) continue;
    read.push(file);
    const registries = parseToml(text, file).registry ?? [];
    if (!Array.isArray(registries))
      throw new CtrmonError('ERR_REGISTRY', `${file}: "registry" must be [[registry]] tables`, { path: file });
    for (const table of registries) {
      const entry = registryEntry(table as TomlTable, file);
      byPrefix.set(entry.prefix, entry);
    }
  }
  return { registries: [...byPrefix.values()], files: read };
}

function prefixMatches(prefix: string, name: string): boolean {
  if (prefix.startsWith('*.')) {
    const host = name.split('/')[0].replace(/:\d+$/, '');
    return host.endsWith(prefix.slice(1));
  }
  return name === prefix || name.startsWith(`${prefix}/`);
}

/** The entry for `name` (`registry/repository`): the longest matching prefix, as containers/image. */
export function findRegistryEntry(conf: RegistriesConf, name: string): RegistryEntry | undefined {
  let best: RegistryEntry | undefined;
  for (const entry of conf.registries) {
    if (prefixMatches(entry.prefix, name) && (best === undefined || entry.prefix.length > best.prefix.length)) best = entry;
  }
  return best;
}

/** `name` with the entry's prefix replaced by `location` (unchanged for wildcard prefixes or no location). */
export function rewriteName(entry: RegistryEntry, location: string, name: string): string {
  if (entry.prefix.startsWith('*.') || location === '') return name;
  return location + name.slice(entry.prefix.length);
}
