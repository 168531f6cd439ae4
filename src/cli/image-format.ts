// How image and auto-update commands print rows: a table by default, JSON with --format json, or a Go template.
import { alignColumns, renderTemplate } from '../format/go-template';

export function printRows(
  rows: Record<string, unknown>[],
  format: string | undefined,
  table: { header: string[]; row: (r: Record<string, unknown>) => string[] },
): void {
  if (format === 'json') {
    process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
  } else if (format !== undefined && format !== 'table') {
    process.stdout.write(renderTemplate(format, rows));
  } else {
    process.stdout.write(alignColumns([table.header.join('\t'), ...rows.map((r) => table.row(r).join('\t'))]));
  }
}
