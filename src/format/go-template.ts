// The subset of Go's text/template that podman's --format users write: `{{.Field}}`,
// `{{.Field.Sub}}`, `{{json .}}` / `{{json .Field}}`, `{{upper .F}}`, `{{lower .F}}`, literal text
// with \t and \n escapes, and the `table` prefix, which adds a header row of the field names and
// aligns the columns. Anything else between braces is an error naming the action, so a template
// never silently prints nothing.
import { CtrmonError } from '../errors';

type Part = { text: string } | { fn: 'value' | 'json' | 'upper' | 'lower'; path: string[] };

export interface Template {
  /** A header row (the field names, upper-cased) before the rows: the `table` prefix. */
  table: boolean;
  parts: Part[];
}

const ACTION = /\{\{\s*(?:(json|upper|lower)\s+)?\.((?:[A-Za-z_][A-Za-z0-9_]*)(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?\s*\}\}/y;

function expandEscapes(text: string): string {
  return text.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

export function parseTemplate(source: string): Template {
  let text = source;
  const table = /^table\s/.test(text);
  if (table) text = text.replace(/^table\s+/, '');
  const parts: Part[] = [];
  let literal = '';
  for (let i = 0; i < text.length; ) {
    if (text.startsWith('{{', i)) {
      ACTION.lastIndex = i;
      const m = ACTION.exec(text);
      if (!m) {
        const end = text.indexOf('}}', i);
        const action = end < 0 ? text.slice(i) : text.slice(i, end + 2);
        throw new CtrmonError('ERR_INVALID_OPTION', `--format ${JSON.stringify(source)}: unsupported template action ${action}`);
      }
      if (literal) parts.push({ text: expandEscapes(literal) });
      literal = '';
      parts.push({ fn: (m[1] as 'json' | 'upper' | 'lower' | undefined) ?? 'value', path: m[2] ? m[2].split('.') : [] });
      i = ACTION.lastIndex;
    } else {
      literal += text[i++];
    }
  }
  if (literal) parts.push({ text: expandEscapes(literal) });
  return { table, parts };
}

function lookup(value: unknown, path: string[], source: string): unknown {
  let v = value;
  for (const key of path) {
    if (typeof v !== 'object' || v === null || !(key in v)) {
      throw new CtrmonError('ERR_INVALID_OPTION', `--format ${JSON.stringify(source)}: no field .${path.join('.')}`);
    }
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

function show(v: unknown): string {
  if (v === null || v === undefined) return '<no value>';
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Renders one row; `source` is the template as the user wrote it, for errors. */
export function renderRow(t: Template, row: unknown, source: string): string {
  return t.parts
    .map((p) => {
      if ('text' in p) return p.text;
      const v = lookup(row, p.path, source);
      if (p.fn === 'json') return JSON.stringify(v);
      if (p.fn === 'upper') return show(v).toUpperCase();
      if (p.fn === 'lower') return show(v).toLowerCase();
      return show(v);
    })
    .join('');
}

/** Every row rendered, one per line; with `table`, a header first and the tab-separated columns aligned. */
export function renderTemplate(source: string, rows: unknown[]): string {
  const t = parseTemplate(source);
  const lines = rows.map((r) => renderRow(t, r, source));
  if (!t.table) return lines.map((l) => `${l}\n`).join('');
  return alignColumns([templateHeader(t), ...lines]);
}

/** The header row of a `table` template: each field's last name, upper-cased, between the literal text. */
export function templateHeader(t: Template): string {
  return t.parts.map((p) => ('text' in p ? p.text : (p.path.at(-1) ?? '').toUpperCase())).join('');
}

/** Columns split on tabs, padded to the widest cell, two spaces apart (podman's table output). */
export function alignColumns(lines: string[]): string {
  const cells = lines.map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const row of cells) {
    for (const [i, c] of row.entries()) widths[i] = Math.max(widths[i] ?? 0, c.length);
  }
  return cells.map((row) => `${row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i]))).join('  ')}\n`).join('');
}
