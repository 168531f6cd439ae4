// The man pages (docs/man) against the code: the real commander program is built from the command
// list of src/cli/main.ts and walked, command by command, and each one's options must be exactly
// those its page lists, both ways, with the same short flags, argument names and defaults. Nothing
// here names an option: a new option fails this test until its page documents it.
//
// How a page is read (the conventions the pages follow):
//   - a top-level command `ctrmon X` has docs/man/ctrmon-X.1; its options are the .TP entries of its
//     OPTIONS section whose tag starts with a dash: `\fB--long\fR, \fB-s\fR=\fIarg\fR` (`[=arg]` for an
//     optional value; the argument as commander declares it, without <>);
//   - a subcommand `ctrmon X Y` is documented in ctrmon-X.1, under `.SS "ctrmon X Y"` in OPTIONS;
//   - "takes every option of ctrmon-Z(1)" in such a section adds the options of that page;
//   - an option with a default says "Default: <value>" in its entry;
//   - ctrmon(1) lists every command as a .TP entry `ctrmon X [Y]` of its COMMANDS section;
//   - ctrmon.container(5) has a `[Section] SECTION` heading per section a .container file may have, and
//     in "[Container] SECTION" one `Key=` entry per key, saying which option it sets and what it applies to.
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { describe, test } from 'node:test';

import type { Command, Option } from 'commander';

import { REGISTER_COMMANDS } from '../../src/cli/main';
import { createProgram } from '../../src/cli/program';
import { MONITOR_FLAGS } from '../../src/config/monitor-options';
import { describeHost } from '../../src/host/host';
import { PACKAGE_ROOT, packagePath } from '../../src/package-root';
import { containerToUnit } from '../../src/systemd/quadlet';
import { RESOURCE_KINDS } from '../../src/systemd/quadlet-resources';

const MAN_DIR = packagePath('docs', 'man');

// --- reading roff -------------------------------------------------------------------------------

const CHARACTERS: Record<string, string> = { aq: "'", dq: '"', em: '\u2014', en: '\u2013', bu: '\u2022', di: '\u00f7', mu: '\u00d7' };

/** One line of roff as the reader sees its text: fonts dropped, escapes resolved. */
function text(line: string): string {
  return line
    .replace(/\\f(\[[^\]]*\]|\(..|.)/g, '')
    .replace(/\\\((..)/g, (_m, name: string) => CHARACTERS[name] ?? '')
    .replace(/\\\[([a-z]+)\]/g, (_m, name: string) => CHARACTERS[name] ?? '')
    .replace(/\\-/g, '-')
    .replace(/\\e/g, '\\')
    .replace(/\\&/g, '')
    .replace(/\\ /g, ' ')
    .replace(/\\%/g, '');
}

/** A macro's arguments, split as roff does (double quotes group words). */
function macroArgs(rest: string): string[] {
  return [...rest.matchAll(/"((?:[^"]|"")*)"|(\S+)/g)].map((m) => (m[1] !== undefined ? m[1].replace(/""/g, '"') : m[2]));
}

const FONT_MACROS = new Set(['B', 'I', 'SM', 'SB']);
const ALTERNATING_MACROS = new Set(['BR', 'RB', 'IR', 'RI', 'BI', 'IB']);

/** A source line's text: a font macro's words, nothing for other requests and comments. */
function lineText(line: string): string {
  if (line.startsWith('.\\"') || line.startsWith('\'\\"')) return '';
  const m = /^[.'](\S+)\s*(.*)$/.exec(line);
  if (!m) return text(line);
  const args = macroArgs(m[2]);
  if (FONT_MACROS.has(m[1])) return text(args.join(' '));
  if (ALTERNATING_MACROS.has(m[1])) return text(args.join(''));
  return '';
}

interface Entry {
  /** The tag line's text. */
  tag: string;
  /** The text of the paragraph under it. */
  body: string;
}

interface Part {
  /** The .SH title, and the .SS title for a subsection ('' for the text before the first .SS). */
  section: string;
  subsection: string;
  lines: string[];
}

interface Page {
  file: string;
  th: string[];
  parts: Part[];
}

function readPage(file: string): Page {
  const source = readFileSync(`${MAN_DIR}/${file}`, 'utf8').split('\n');
  const page: Page = { file, th: [], parts: [] };
  let current: Part | undefined;
  for (const line of source) {
    const m = /^\.(SH|SS|TH)\s*(.*)$/.exec(line);
    if (!m) {
      current?.lines.push(line);
      continue;
    }
    const title = text(macroArgs(m[2]).join(' '));
    if (m[1] === 'TH') {
      page.th = macroArgs(m[2]);
      continue;
    }
    if (m[1] === 'SS' && !current) throw new Error(`${file}: .SS before any .SH`);
    current = m[1] === 'SH' ? { section: title, subsection: '', lines: [] } : { section: current!.section, subsection: title, lines: [] };
    page.parts.push(current);
  }
  return page;
}

/** The lines of a section, or of one of its subsections. */
function sectionLines(page: Page, section: string, subsection?: string): string[] | undefined {
  const parts = page.parts.filter((p) => p.section === section && (subsection === undefined || p.subsection === subsection));
  return parts.length ? parts.flatMap((p) => p.lines) : undefined;
}

/** The .TP entries of some lines: each tag with the paragraph under it (up to the next paragraph macro). */
function entries(lines: string[]): Entry[] {
  const out: Entry[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^\.TP\b/.test(lines[i]) || i + 1 >= lines.length) continue;
    const tag = lineText(lines[++i]).trim();
    const body: string[] = [];
    while (i + 1 < lines.length && !/^\.(TP|PP|P|LP|IP|RS|RE|SH|SS)\b/.test(lines[i + 1])) body.push(lineText(lines[++i]));
    out.push({ tag, body: body.join(' ').replace(/\s+/g, ' ').trim() });
  }
  return out;
}

function plainText(lines: string[]): string {
  return lines.map(lineText).join(' ').replace(/\s+/g, ' ');
}

const pages = new Map<string, Page>();
function page(file: string): Page {
  const known = pages.get(file);
  if (known) return known;
  const read = readPage(file);
  pages.set(file, read);
  return read;
}
const pageFiles = () => readdirSync(MAN_DIR).filter((f) => /\.\d$/.test(f));

// --- options as the pages list them --------------------------------------------------------------

interface ListedOption {
  long?: string;
  short?: string;
  /** '' without a value, '=arg' for a required one, '[=arg]' for an optional one. */
  value: string;
  body: string;
  /** The page that lists it, and where on it. */
  file: string;
  where: string;
}

const TAG = /^(--?[A-Za-z0-9][\w-]*(?:, --?[A-Za-z0-9][\w-]*)*)(.*)$/;

function listedOptions(file: string, section: string, subsection?: string, seen: string[] = []): ListedOption[] {
  const lines = sectionLines(page(file), section, subsection);
  const where = `${file} ${subsection ? `"${subsection}"` : section}`;
  assert.ok(lines, `${where}: no such section`);
  const out: ListedOption[] = [];
  for (const e of entries(lines)) {
    if (!e.tag.startsWith('-')) continue;
    const m = TAG.exec(e.tag);
    assert.ok(m, `${where}: cannot read the option entry "${e.tag}"`);
    const option: ListedOption = { value: m[2], body: e.body, file, where };
    for (const flag of m[1].split(', ')) {
      if (flag.startsWith('--')) option.long = flag;
      else option.short = flag;
    }
    out.push(option);
  }
  for (const m of plainText(lines).matchAll(/takes every option of (ctrmon[\w.-]*)\((\d)\)/g)) {
    const included = `${m[1]}.${m[2]}`;
    assert.ok(!seen.includes(included), `${where}: options included in a circle (${[...seen, included].join(' -> ')})`);
    out.push(...listedOptions(included, 'OPTIONS', undefined, [...seen, file]));
  }
  return out;
}

// --- the program ---------------------------------------------------------------------------------

interface CommandAt {
  /** ['image', 'ls']; [] for the program itself. */
  path: string[];
  command: Command;
}

function walk(command: Command, path: string[] = []): CommandAt[] {
  return [{ path, command }, ...command.commands.flatMap((c) => walk(c, [...path, c.name()]))];
}

// The pages give root's defaults (and say what a user's are): the program as root's host has it.
const program = createProgram([...REGISTER_COMMANDS], describeHost({}, 0));
const commands = walk(program);
const leaves = commands.filter((c) => c.path.length > 0 && c.command.commands.length === 0);

/** The page and the part of its OPTIONS section that documents a command's options. */
function documentedAt(path: string[]): { file: string; subsection?: string } {
  if (path.length === 0) return { file: 'ctrmon.1', subsection: '' };
  const file = `ctrmon-${path[0]}.1`;
  if (path.length === 1)
    return { file, subsection: commands.find((c) => c.path.join(' ') === path[0])!.command.commands.length ? '' : undefined };
  return { file, subsection: `ctrmon ${path.join(' ')}` };
}

const argument = (o: Option) => {
  const words = o.flags.split(/[\s,]+/).filter((w) => w && !w.startsWith('-'));
  const inner = words.join(' ').replace(/^[<[](.*)[>\]]$/, '$1');
  return o.required ? `=${inner}` : o.optional ? `[=${inner}]` : '';
};

/** A default as the pages write it: the user's directories and the package's by name, not as this machine has them. */
function writtenDefault(value: unknown): string {
  let written = String(value);
  if (written.startsWith(PACKAGE_ROOT)) written = `<package>${written.slice(PACKAGE_ROOT.length)}`;
  for (const dir of ['XDG_RUNTIME_DIR', 'XDG_DATA_HOME', 'XDG_CONFIG_HOME', 'HOME']) {
    const here = process.env[dir];
    if (here && written.startsWith(here)) written = `$${dir}${written.slice(here.length)}`;
  }
  return written;
}

const isHelp = (flag: string | undefined) => flag === '--help' || flag === '-h';

describe('man pages: every command and its options', () => {
  test('the program has commands, subcommands and options to check (the walk sees them)', () => {
    assert.ok(leaves.length > 10, leaves.map((l) => l.path.join(' ')).join(', '));
    assert.ok(commands.some((c) => c.path.length === 2));
    assert.ok(commands.some((c) => c.command.options.some((o) => o.short)));
  });

  test('every top-level command has a page, ctrmon-<command>.1, with the sections a command page has', () => {
    for (const { path } of commands.filter((c) => c.path.length === 1)) {
      const file = `ctrmon-${path[0]}.1`;
      assert.ok(pageFiles().includes(file), `ctrmon ${path[0]} has no page docs/man/${file}`);
      const sections = page(file).parts.map((p) => p.section);
      for (const s of ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'OPTIONS', 'EXAMPLES', 'SEE ALSO'])
        assert.ok(sections.includes(s), `${file} has no ${s} section`);
      const synopsis = plainText(sectionLines(page(file), 'SYNOPSIS') ?? []);
      assert.match(synopsis, new RegExp(`ctrmon ${path[0]}\\b`), `${file}: the synopsis names the command`);
    }
  });

  for (const { path, command } of commands) {
    const name = ['ctrmon', ...path].join(' ');
    test(`${name}: the page lists exactly its options`, () => {
      const at = documentedAt(path);
      const listed = listedOptions(at.file, 'OPTIONS', at.subsection);
      const where = `${at.file}${at.subsection ? ` ("${at.subsection}")` : ''}`;
      const options = command.options.filter((o) => !isHelp(o.long));
      const byLong = new Map(listed.filter((l) => !isHelp(l.long)).map((l) => [l.long ?? l.short, l]));
      assert.equal(byLong.size, listed.filter((l) => !isHelp(l.long)).length, `${where} lists an option twice`);
      const missing = options.filter((o) => !byLong.has(o.long ?? o.short)).map((o) => o.flags);
      const extra = [...byLong.keys()].filter((flag) => !options.some((o) => (o.long ?? o.short) === flag));
      assert.deepEqual(missing, [], `${name} has options ${where} does not list`);
      assert.deepEqual(extra, [], `${where} lists options ${name} does not have`);
      for (const o of options) {
        const l = byLong.get(o.long ?? o.short)!;
        assert.equal(l.short, o.short, `${l.where}: ${o.long}'s short flag`);
        assert.equal(l.value, argument(o), `${l.where}: ${o.long}'s argument, as declared: ${o.flags}`);
        const value = o.defaultValue;
        if (l.file === at.file && (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'))
          assert.ok(l.body.includes(`Default: ${writtenDefault(value)}`), `${l.where}: ${o.long} says "Default: ${writtenDefault(value)}"`);
      }
    });
  }

  test('every ctrmon monitor option of MONITOR_FLAGS is in ctrmon-monitor(1), with its short flag', () => {
    const listed = listedOptions('ctrmon-monitor.1', 'OPTIONS');
    for (const flag of MONITOR_FLAGS) {
      const l = listed.find((o) => o.long === flag.flag);
      assert.ok(l, `ctrmon-monitor.1 does not list ${flag.flag}`);
      assert.equal(l.short, flag.short, `ctrmon-monitor.1: ${flag.flag}'s short flag`);
    }
  });

  test('ctrmon(1) lists every command in COMMANDS, and only commands', () => {
    const tags = entries(sectionLines(page('ctrmon.1'), 'COMMANDS') ?? []).map((e) => e.tag);
    const names = commands.filter((c) => c.path.length).map((c) => `ctrmon ${c.path.join(' ')}`);
    for (const leaf of leaves) {
      const name = `ctrmon ${leaf.path.join(' ')}`;
      assert.ok(tags.includes(name), `ctrmon.1's COMMANDS does not list ${name}`);
    }
    for (const tag of tags) assert.ok(names.includes(tag), `ctrmon.1's COMMANDS lists "${tag}", which is not a command`);
  });
});

describe('man pages: ctrmon.container(5)', () => {
  const file = 'ctrmon.container.5';
  const keyEntries = () =>
    entries(sectionLines(page(file), '[Container] SECTION') ?? [])
      .map((e) => ({ key: /^([A-Za-z0-9]+)=/.exec(e.tag)?.[1], body: e.body }))
      .filter((e): e is { key: string; body: string } => e.key !== undefined);
  const unit = (text: string) => containerToUnit('/etc/ctrmon/systemd/web.container', text, 'test', describeHost({}, 0), ['/bin/true']);

  test('it lists exactly the [Container] keys the .container parser accepts', () => {
    let supported: string[] = [];
    assert.throws(
      () => unit('[Container]\nNoSuchKeyAtAll=1\n'),
      (err: Error) => {
        const m = /\(supported: ([^)]*)\)/.exec(err.message);
        assert.ok(m, `the parser's error names the keys it supports: ${err.message}`);
        supported = m[1].split(', ');
        return true;
      },
    );
    const documented = keyEntries().map((e) => e.key);
    assert.deepEqual(
      supported.filter((k) => !documented.includes(k)),
      [],
      `keys ${file} does not document`,
    );
    assert.deepEqual(
      documented.filter((k) => !supported.includes(k)),
      [],
      `keys ${file} documents that the parser refuses`,
    );
  });

  test('every key of MONITOR_FLAGS names the option it sets and says what it applies to', () => {
    const documented = new Map(keyEntries().map((e) => [e.key, e.body]));
    for (const flag of MONITOR_FLAGS) {
      for (const key of Object.keys(flag.containerKeys ?? {})) {
        const body = documented.get(key);
        assert.ok(body !== undefined, `${file} does not document ${key}=`);
        assert.ok(body.includes(flag.flag), `${file}: ${key}= names ${flag.flag}`);
      }
    }
    for (const [key, body] of documented)
      assert.match(body, /Applies to: (bundles|images|both|neither)\b/, `${file}: ${key}= says what it applies to`);
  });

  test('it documents exactly the sections a .container file may have', () => {
    const documented = page(file)
      .parts.map((p) => /^\[(\w+)\] SECTION$/.exec(p.section)?.[1])
      .filter((s): s is string => s !== undefined);
    assert.ok(documented.includes('Container'));
    // systemd's unit sections and Quadlet's: those the parser takes must be documented, and only those.
    const candidates = ['Unit', 'Service', 'Install', 'Socket', 'Timer', 'Path', 'Mount', 'Automount', 'Swap', 'Slice', 'Scope'];
    for (const s of [...candidates, 'Pod', 'Kube', 'Network', 'Volume', 'Image', 'Build', ...documented]) {
      if (s === 'Container') continue;
      let accepted = true;
      try {
        unit(`[Container]\nBundle=/srv/web/bundle\n[${s}]\nX-Probe=1\n`);
      } catch (err) {
        accepted = !/unknown section/.test((err as Error).message);
      }
      assert.equal(
        accepted,
        documented.includes(s),
        `[${s}]: ${accepted ? 'accepted' : 'refused'} by the parser, ${documented.includes(s) ? '' : 'not '}documented`,
      );
    }
  });
});

describe('man pages: ctrmon.volume(5), ctrmon.image(5) and ctrmon.network(5)', () => {
  const keysIn = (file: string, section: string) =>
    entries(sectionLines(page(file), section) ?? []).flatMap((e) =>
      e.tag.split(/,\s*/).map((k) => /^([A-Za-z0-9]+)=/.exec(k)?.[1] ?? `?${k}`),
    );
  for (const [kind, spec] of Object.entries(RESOURCE_KINDS)) {
    const file = `ctrmon${kind}.5`;
    test(`${file} lists exactly the [${spec.section}] keys the parser takes, and those it refuses`, () => {
      assert.deepEqual(keysIn(file, `[${spec.section}] SECTION`).sort(), Object.keys(spec.keys).sort());
      assert.deepEqual(keysIn(file, 'REFUSED KEYS').sort(), Object.keys(spec.refused).sort());
    });
  }
});

describe('man pages: the set of pages', () => {
  test('every page is in package.json "man", and docs/man/ is in "files"', () => {
    const manifest = JSON.parse(readFileSync(packagePath('package.json'), 'utf8')) as { man?: string[]; files?: string[] };
    assert.deepEqual(
      [...(manifest.man ?? [])].sort(),
      pageFiles()
        .map((f) => `docs/man/${f}`)
        .sort(),
    );
    assert.ok(manifest.files?.includes('docs/man/'), 'package.json "files" has docs/man/');
  });

  test('each page names itself in .TH and NAME, and every ctrmon page it refers to exists', () => {
    for (const file of pageFiles()) {
      const p = page(file);
      const [name, section] = file.split(/\.(?=\d$)/);
      assert.deepEqual(p.th.slice(0, 2), [name, section], `${file}: .TH ${name} ${section}`);
      assert.ok(plainText(sectionLines(p, 'NAME') ?? []).startsWith(`${name} - `), `${file}: NAME starts with "${name} - "`);
      assert.ok(sectionLines(p, 'SEE ALSO'), `${file} has a SEE ALSO section`);
      const all = plainText(readFileSync(`${MAN_DIR}/${file}`, 'utf8').split('\n'));
      for (const m of all.matchAll(/\b(ctrmon[\w.-]*)\((\d)\)/g))
        assert.ok(pageFiles().includes(`${m[1]}.${m[2]}`), `${file} refers to ${m[1]}(${m[2]}), which has no page`);
    }
  });
});
