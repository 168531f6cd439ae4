// The floors of src/, as data: a module imports only from its own floor or the floors below, and
// nothing imports in a circle, neither file to file nor module to module. Every import counts,
// static and dynamic, type-only too: a type that runs up the floors is a word in the wrong place.
// A module is a folder of src/ or a file named in the table (the longest entry that holds a file),
// so a new folder or top-level file fails this test until it is given a floor.
//
//   base      what every module may use: errors, ctrmon's own log, helpers with no domain
//   system    the host beneath ctrmon: the native addon, processes, datagram sockets
//   domain    what ctrmon works with, each its own concern: the host, the container spec, the state
//             file, notify and readiness, logs, health checks, the OCI runtime, images, events
//   config    the option table, which names the words of the floors below (log levels, modes ...)
//   services  what runs: the monitor, the systemd units and client, the update engine
//   commands  the command line: it parses, calls a service and prints
//
// One file is a module of its own, below its folder's floor: update/policy.ts is the auto-update
// contract a container declares, a label and its checks, which the option table applies (domain;
// the bundle rules keep it the only update file the monitor carries). What src/ imports from outside src/
// (the harness's types, in cli/harness.ts) is the bundle rules' concern (import-rules.test.ts).
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';

import { packagePath } from '../../src/package-root';

const FLOORS: { name: string; modules: string[] }[] = [
  {
    name: 'base',
    modules: ['errors.ts', 'package-root.ts', 'concurrently.ts', 'log.ts', 'log-throttle.ts', 'format/', 'fs/', 'signal-numbers.ts'],
  },
  { name: 'system', modules: ['native.ts', 'process/', 'dgram/'] },
  {
    name: 'domain',
    modules: [
      'host/',
      'spec/',
      'state/',
      'notify/',
      'logs/',
      'health/',
      'runtime/',
      'image/',
      'events/',
      'volume/',
      'secret/',
      'network/',
      'update/policy.ts',
    ],
  },
  { name: 'config', modules: ['config/'] },
  { name: 'services', modules: ['systemd/', 'monitor/', 'update/'] },
  { name: 'commands', modules: ['cli/'] },
];

/** File -> the files of the same tree it imports (paths relative to the tree's root, '/'-separated). */
type Graph = Map<string, Set<string>>;

/** The module a file belongs to: the longest entry of the floor table that contains it. */
function moduleOf(file: string): string | undefined {
  const rel = file.replace(/^src\//, '');
  let best: string | undefined;
  for (const { modules } of FLOORS) {
    for (const m of modules) if ((rel === m || (m.endsWith('/') && rel.startsWith(m))) && m.length > (best?.length ?? 0)) best = m;
  }
  return best;
}

function floorOf(module: string): number {
  return FLOORS.findIndex((f) => f.modules.includes(module));
}

/** Every module specifier a source names: import and export from, import(), require(), import('x').T. */
function specifiers(file: string, text: string): string[] {
  const out: string[] = [];
  const visit = (node: ts.Node): void => {
    if (
      (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      out.push(node.moduleSpecifier.text);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      const e = node.moduleReference.expression;
      if (ts.isStringLiteral(e)) out.push(e.text);
    } else if (ts.isCallExpression(node) && node.arguments.length > 0 && ts.isStringLiteralLike(node.arguments[0])) {
      const callee = node.expression;
      if (callee.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(callee) && callee.text === 'require'))
        out.push(node.arguments[0].text);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument) && ts.isStringLiteral(node.argument.literal)) {
      out.push(node.argument.literal.text);
    }
    ts.forEachChild(node, visit);
  };
  visit(ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS));
  return out;
}

function sourcesUnder(root: string, dir: string): string[] {
  return readdirSync(path.join(root, dir)).flatMap((name) => {
    const rel = `${dir}/${name}`;
    if (statSync(path.join(root, rel)).isDirectory()) return sourcesUnder(root, rel);
    return name.endsWith('.ts') ? [rel] : [];
  });
}

/** src/'s import graph; relative imports that name no source are reported, since the graph would miss them. */
function importGraph(root: string): { graph: Graph; unresolved: string[] } {
  const graph: Graph = new Map();
  const unresolved: string[] = [];
  for (const file of sourcesUnder(root, 'src')) {
    const targets = new Set<string>();
    for (const spec of specifiers(file, readFileSync(path.join(root, file), 'utf8'))) {
      if (!spec.startsWith('.')) continue; // node: and packages
      const base = path.posix.join(path.posix.dirname(file), spec);
      const target = [`${base}.ts`, `${base}/index.ts`, base].find((c) => c.endsWith('.ts') && existsFile(path.join(root, c)));
      if (target === undefined) unresolved.push(`${file}: ${spec}`);
      else if (target.startsWith('src/')) targets.add(target);
    }
    graph.set(file, targets);
  }
  return { graph, unresolved };
}

function existsFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** One circle through each strongly connected component of more than one node (or a node that imports itself). */
function circles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const connect = (v: string): void => {
    index.set(v, index.size);
    low.set(v, index.get(v)!);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        connect(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || graph.get(v)?.has(v)) components.push(component);
    }
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) connect(v);
  return components.map((component) => circleIn(graph, new Set(component)));
}

/** A shortest way back to the component's first node (sorted), through the component: the circle to report. */
function circleIn(graph: Graph, component: Set<string>): string[] {
  const start = [...component].sort()[0];
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of [...(graph.get(v) ?? [])].sort()) {
      if (!component.has(w)) continue;
      if (w === start) {
        const circle = [start];
        for (let u = v; u !== start; u = previous.get(u)!) circle.splice(1, 0, u);
        return [...circle, start];
      }
      if (!previous.has(w)) {
        previous.set(w, v);
        queue.push(w);
      }
    }
  }
  return [start, start];
}

/** The graph of modules: a module imports another when one of its files imports one of the other's. */
function moduleGraph(graph: Graph): Graph {
  const modules: Graph = new Map();
  for (const [file, targets] of graph) {
    const from = moduleOf(file);
    if (from === undefined) continue;
    const edges = modules.get(from) ?? new Set();
    modules.set(from, edges);
    for (const t of targets) {
      const to = moduleOf(t);
      if (to !== undefined && to !== from) edges.add(to);
    }
  }
  return modules;
}

interface Findings {
  unknown: string[];
  upward: string[];
  fileCircles: string[];
  moduleCircles: string[];
}

function check(graph: Graph): Findings {
  const unknown = [...graph.keys()].filter((f) => moduleOf(f) === undefined);
  const upward: string[] = [];
  for (const [file, targets] of graph) {
    const from = moduleOf(file);
    if (from === undefined) continue;
    for (const t of targets) {
      const to = moduleOf(t);
      if (to === undefined || floorOf(to) <= floorOf(from)) continue;
      upward.push(`${file} (${FLOORS[floorOf(from)].name}) imports ${t} (${FLOORS[floorOf(to)].name})`);
    }
  }
  return {
    unknown,
    upward: upward.sort(),
    fileCircles: circles(graph).map((c) => c.join(' -> ')),
    moduleCircles: circles(moduleGraph(graph)).map((c) => c.join(' -> ')),
  };
}

describe('import floors', () => {
  const { graph, unresolved } = importGraph(packagePath());

  test('the graph is whole: every relative import names a source', () => {
    assert.ok(graph.has('src/monitor/monitor.ts') && graph.get('src/monitor/monitor.ts')!.has('src/config/monitor-options.ts'));
    assert.deepEqual(unresolved, []);
  });

  test('every source of src/ has a floor', () => {
    assert.deepEqual(check(graph).unknown, []);
  });

  test('nothing imports from a floor above its own', () => {
    assert.deepEqual(check(graph).upward, []);
  });

  test('no file imports itself through others', () => {
    assert.deepEqual(check(graph).fileCircles, []);
  });

  test('no module imports itself through others', () => {
    assert.deepEqual(check(graph).moduleCircles, []);
  });

  test('the checks see a violation: an unknown folder, an import up the floors, circles of files and of modules', () => {
    const seen = check(
      new Map([
        ['src/log.ts', new Set(['src/config/monitor-options.ts'])],
        ['src/config/monitor-options.ts', new Set(['src/health/health-check.ts'])],
        ['src/health/health-check.ts', new Set(['src/log.ts'])],
        ['src/image/a.ts', new Set(['src/runtime/b.ts'])],
        ['src/runtime/b.ts', new Set(['src/image/c.ts'])],
        ['src/image/c.ts', new Set<string>()],
        ['src/widgets/knob.ts', new Set<string>()],
      ]),
    );
    assert.deepEqual(seen, {
      unknown: ['src/widgets/knob.ts'],
      upward: ['src/log.ts (base) imports src/config/monitor-options.ts (config)'],
      fileCircles: ['src/config/monitor-options.ts -> src/health/health-check.ts -> src/log.ts -> src/config/monitor-options.ts'],
      moduleCircles: ['config/ -> health/ -> log.ts -> config/', 'image/ -> runtime/ -> image/'],
    });
  });
});
