// Reading a file that may not be there: its absence is an answer, any other failure the system's
// own error, for each caller to name in its own words.
import { readFileSync } from 'node:fs';

/** The file's text, or undefined when there is no such file. */
export function readFileIfPresent(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
