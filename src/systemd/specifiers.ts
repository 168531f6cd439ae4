// systemd's specifiers (%n, %N, %i, %h, %t ... systemd.unit(5)) in .container values: systemd
// expands them when it loads the unit, so they must reach the unit as written, through the option
// checks of generate time. Each one is hidden behind a marker that the checks take for what the
// specifier stands for: a word of [a-z0-9] (valid in a name, an image reference, a label), with a
// leading '/' for those that expand to an absolute path (%h/data is an absolute path), and the
// written unit has the markers turned back. A literal % is written %%, as systemd wants it.
import { CtrmonError } from '../errors';

/** The specifiers systemd expands; those that expand to an absolute path. */
const SPECIFIERS = new Set('aAbBCdEfgGhHiIjJlLmMnNopPqsStTuUvVwWyY%');
const PATH_SPECIFIERS = new Set('CdEfhLsStTVyY');

/** One character of the marker for the specifier's letter: its case and whether it is a path. */
function kindOf(letter: string): string {
  if (letter === '%') return 'c';
  const upper = letter !== letter.toLowerCase();
  return PATH_SPECIFIERS.has(letter) ? (upper ? 'b' : 'a') : upper ? 'u' : 'l';
}

export class SpecifierMarkers {
  private readonly tag: string;
  private readonly pattern: RegExp;

  /** text: everything the markers must not collide with (the whole file). */
  constructor(text: string) {
    const lower = text.toLowerCase();
    let n = 0;
    while (lower.includes(`zq${n}`)) n++;
    this.tag = `zq${n}`;
    this.pattern = new RegExp(`(/?)${this.tag}([abcul])([a-z])`, 'g');
  }

  /** value with its specifiers hidden; a % that starts no specifier is an error naming where. */
  hide(value: string, where: () => string): string {
    return value.replace(/%(.?)/g, (_m, letter: string) => {
      if (!SPECIFIERS.has(letter)) {
        const what = letter ? `%${letter} is not a systemd specifier` : 'a lone % ends the value';
        throw new CtrmonError('ERR_UNIT_FILE', `${where()}: ${what}; a literal % is written %%`);
      }
      const kind = kindOf(letter);
      const marker = `${this.tag}${kind}${letter === '%' ? 'p' : letter.toLowerCase()}`;
      return kind === 'a' || kind === 'b' ? `/${marker}` : marker;
    });
  }

  /** The specifiers hidden in value, as markers (to check that they all reached the unit). */
  markersIn(value: string): string[] {
    return [...value.matchAll(this.pattern)].map((m) => m[0]);
  }

  /** text with its markers turned back into the specifiers they hide. */
  reveal(text: string): string {
    return text.replace(this.pattern, (_m, slash: string, kind: string, letter: string) => {
      const specifier = kind === 'c' ? '%%' : `%${kind === 'b' || kind === 'u' ? letter.toUpperCase() : letter}`;
      return kind === 'a' || kind === 'b' ? specifier : `${slash}${specifier}`;
    });
  }
}
