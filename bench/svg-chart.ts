// The latency distributions as box plots in one SVG: a panel per measurement, a row per
// candidate; whiskers min..max, box p25..p75, a bar at the median and a tick at p90.
import type { BenchReport } from './report';
import type { Summary } from './stats';

const WIDTH = 820;
const LEFT = 150;
const RIGHT = 30;
const ROW = 34;
const PANEL_HEAD = 46;
const COLORS: Record<string, string> = { ctrmon: '#1f77b4', podman: '#ff7f0e', conmon: '#ff7f0e' };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 2.5, 5, 10].map((m) => m * p).find((m) => m >= v) ?? v;
}

function panel(title: string, unit: string, series: [string, Summary][], top: number): { svg: string; height: number } {
  const max = niceMax(Math.max(...series.map(([, s]) => s.max)) || 1);
  const x = (v: number) => LEFT + ((WIDTH - LEFT - RIGHT) * v) / max;
  const parts = [`<text x="10" y="${top + 20}" font-size="15" font-weight="bold">${escapeXml(title)}</text>`];
  const axisY = top + PANEL_HEAD - 8 + series.length * ROW;
  for (let i = 0; i <= 5; i++) {
    const v = (max * i) / 5;
    parts.push(`<line x1="${x(v)}" y1="${top + PANEL_HEAD - 10}" x2="${x(v)}" y2="${axisY}" stroke="#ddd"/>`);
    parts.push(`<text x="${x(v)}" y="${axisY + 14}" font-size="11" text-anchor="middle">${+v.toPrecision(3)} ${unit}</text>`);
  }
  series.forEach(([name, s], i) => {
    const cy = top + PANEL_HEAD + i * ROW + ROW / 2 - 8;
    const color = COLORS[name] ?? '#7f7f7f';
    parts.push(
      `<text x="${LEFT - 10}" y="${cy + 4}" font-size="13" text-anchor="end">${escapeXml(name)}</text>`,
      `<line x1="${x(s.min)}" y1="${cy}" x2="${x(s.max)}" y2="${cy}" stroke="${color}"/>`,
      `<line x1="${x(s.min)}" y1="${cy - 6}" x2="${x(s.min)}" y2="${cy + 6}" stroke="${color}"/>`,
      `<line x1="${x(s.max)}" y1="${cy - 6}" x2="${x(s.max)}" y2="${cy + 6}" stroke="${color}"/>`,
      `<rect x="${x(s.p25)}" y="${cy - 9}" width="${Math.max(1, x(s.p75) - x(s.p25))}" height="18" ` +
        `fill="${color}" fill-opacity="0.35" stroke="${color}"/>`,
      `<line x1="${x(s.median)}" y1="${cy - 11}" x2="${x(s.median)}" y2="${cy + 11}" stroke="${color}" stroke-width="3"/>`,
      `<line x1="${x(s.p90)}" y1="${cy - 5}" x2="${x(s.p90)}" y2="${cy + 5}" stroke="#000"/>`,
      // The label goes right of the whiskers, or left of them when there is no room.
      x(s.max) + 90 > WIDTH
        ? `<text x="${x(s.min) - 6}" y="${cy + 4}" font-size="11" text-anchor="end">median ${+s.median.toPrecision(3)}</text>`
        : `<text x="${x(s.max) + 6}" y="${cy + 4}" font-size="11">median ${+s.median.toPrecision(3)}</text>`,
    );
  });
  return { svg: parts.join('\n'), height: PANEL_HEAD + series.length * ROW + 24 };
}

export function renderChart(r: BenchReport): string {
  const panels: [string, string, [string, Summary][]][] = [
    [`Start-to-active under systemd (${r.settings.starts} starts each)`, 'ms', Object.entries(r.startToActive)],
    ['Stop under systemd', 'ms', Object.entries(r.stop)],
    ['READY relay latency at start, container send to arrival', 'ms', Object.entries(r.readyLatency)],
    ['Relay latency in steady state', 'ms', Object.entries(r.steadyLatency)],
    [
      'Socket activation: first connection until the first byte of the answer',
      'ms',
      Object.entries(r.socketActivation?.firstByte ?? {}).filter(([, s]) => s.n > 0),
    ],
    ...(
      [
        ['startToActive', 'Published port: start-to-active'],
        ['firstRequest', 'Published port: systemctl start until the first HTTP answer'],
        ['stop', 'Published port: stop'],
      ] as const
    ).map(([key, title]) => [title, 'ms', Object.entries(r.network?.[key] ?? {}).filter(([, s]) => s.n > 0)]),
  ].filter(([, , series]) => series.length) as [string, string, [string, Summary][]][];
  let top = 34;
  const body: string[] = [];
  for (const [title, unit, series] of panels) {
    const p = panel(title, unit, series, top);
    body.push(p.svg);
    top += p.height;
  }
  const caption =
    `ctrmon benchmark, ${r.date.slice(0, 10)}, ${r.machine.cpu} (${r.machine.cores} cores). ` +
    'Box p25-p75, thick bar median, black tick p90, whiskers min-max.';
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${top + 10}" font-family="sans-serif">
<rect width="100%" height="100%" fill="white"/>
<text x="10" y="20" font-size="12" fill="#444">${escapeXml(caption)}</text>
${body.join('\n')}
</svg>
`;
}
