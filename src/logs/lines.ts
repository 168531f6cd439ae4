// Splits container output into lines the way conmon does: every '\n'-terminated line is full;
// what is left at the end of a read is a partial line, reported as such (not held back, so a
// prompt without a newline still shows up). Output is handled as latin1 to keep every byte.

export interface OutputLine {
  text: string;
  partial: boolean;
}

export function splitOutput(chunk: Buffer): OutputLine[] {
  const text = chunk.toString('latin1');
  const parts = text.split('\n');
  const last = parts.pop()!;
  const lines: OutputLine[] = parts.map((p) => ({ text: p, partial: false }));
  if (last !== '') lines.push({ text: last, partial: true });
  return lines;
}
