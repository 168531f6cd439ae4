// What a pull shows while it runs: on a TTY, one line per layer (state, bytes, rate) redrawn in
// place; otherwise nothing until the end, then one summary line, so that logs and CI output stay
// readable.
import type { LayerProgress } from './pull';

const MiB = 1024 * 1024;

function size(bytes: number): string {
  return bytes >= MiB ? `${(bytes / MiB).toFixed(1)} MiB` : `${(bytes / 1024).toFixed(1)} KiB`;
}

export class PullProgress {
  private readonly started = Date.now();
  private drawn = 0;
  private lastDraw = 0;
  private last: readonly LayerProgress[] = [];

  constructor(private readonly out: NodeJS.WriteStream) {}

  get interactive(): boolean {
    return this.out.isTTY === true;
  }

  /** Redraws at most every 100 ms; `final` draws the end state whatever the time. */
  update(layers: readonly LayerProgress[], final = false): void {
    this.last = layers;
    if (!this.interactive || (!final && Date.now() - this.lastDraw < 100)) return;
    this.lastDraw = Date.now();
    const seconds = Math.max(0.001, (Date.now() - this.started) / 1000);
    const lines = layers.map(
      (l) =>
        `${l.digest.slice(7, 19)}  ${l.state.padEnd(11)} ${size(l.done).padStart(10)} / ${size(l.size).padEnd(10)} ${size(l.done / seconds)}/s`,
    );
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A`);
    this.out.write(lines.map((l) => `\x1b[2K${l}\n`).join(''));
    this.drawn = lines.length;
  }

  /** The last state, drawn once more: every layer done. */
  finish(): void {
    this.update(this.last, true);
  }

  /** The one line a non-interactive pull prints. */
  summary(name: string, layers: number, downloaded: number): string {
    const seconds = (Date.now() - this.started) / 1000;
    return `pulled ${name}: ${layers} layers, ${size(downloaded)} downloaded in ${seconds.toFixed(1)} s`;
  }
}
