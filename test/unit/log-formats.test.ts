import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';

import { journalEntry } from '../../src/logs/journald';
import { KubeFileSink, rfc3339Nano } from '../../src/logs/k8s-file';
import { splitOutput } from '../../src/logs/lines';

const dir = mkdtempSync(path.join(tmpdir(), 'ctrmon-logfmt-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('log formats', () => {
  test('RFC 3339 with nanoseconds and a numeric offset', () => {
    assert.match(rfc3339Nano(), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}[+-]\d\d:\d\d$/);
    const ns = BigInt(Date.UTC(2026, 10, 22, 4, 17, 40)) * 1_000_000n + 86_406_931n;
    const text = rfc3339Nano(ns);
    assert.match(text, /\.086406931[+-]\d\d:\d\d$/);
    const d = new Date(text.replace(/\.\d{9}/, '.086'));
    assert.equal(d.getTime(), Date.UTC(2026, 10, 22, 4, 17, 40, 86));
  });

  test('output splits into full lines and a trailing partial one, bytes kept', () => {
    assert.deepEqual(splitOutput(Buffer.from('a\nb\nc')), [
      { text: 'a', partial: false },
      { text: 'b', partial: false },
      { text: 'c', partial: true },
    ]);
    assert.deepEqual(splitOutput(Buffer.from('\n')), [{ text: '', partial: false }]);
    assert.equal(Buffer.from(splitOutput(Buffer.from([0xc3, 0xa9, 0x0a]))[0].text, 'latin1').toString(), 'é');
  });

  test('k8s-file: one read whose lines pass the cap keeps its newest lines, within the cap', () => {
    const file = path.join(dir, 'flood.log');
    const sink = new KubeFileSink(file, 4096);
    const many = Array.from({ length: 2000 }, (_, i) => `l${i}`).join('\n');
    sink.write('stdout', Buffer.from(`${many}\n`));
    const text = readFileSync(file, 'latin1');
    assert.ok(text.length <= 4096, `size ${text.length}`);
    assert.match(text, / stdout F l1999\n$/);
    assert.ok(text.length > 4096 - 100, 'as much as fits is kept');
    sink.write('stderr', Buffer.from(`${'x'.repeat(10_000)}\n`));
    const long = readFileSync(file, 'latin1');
    assert.equal(long.length, 4096, 'a single line longer than the cap is cut to it');
    assert.match(long, / stderr F x+\n$/);
    sink.close();
  });

  test("k8s-file lines share the read's timestamp; the cap truncates and keeps writing", () => {
    const file = path.join(dir, 'a.log');
    const sink = new KubeFileSink(file, 200);
    sink.write('stdout', Buffer.from('one\ntwo\nthr'));
    const lines = readFileSync(file, 'utf8').trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => l.split(' ').slice(1).join(' ')),
      ['stdout F one', 'stdout F two', 'stdout P thr'],
    );
    assert.equal(new Set(lines.map((l) => l.split(' ')[0])).size, 1);
    for (let i = 0; i < 10; i++) sink.write('stderr', Buffer.from(`line ${i}\n`));
    sink.close();
    assert.ok(statSync(file).size <= 200);
    assert.match(readFileSync(file, 'utf8'), /stderr F line 9\n$/);
  });

  test('journal entries: KEY=value lines; a value with a newline uses the binary form', () => {
    assert.equal(
      journalEntry([
        ['MESSAGE', 'hi'],
        ['PRIORITY', '6'],
      ]).toString(),
      'MESSAGE=hi\nPRIORITY=6\n',
    );
    const binary = journalEntry([['MESSAGE', 'a\nb']]);
    assert.deepEqual([...binary.subarray(0, 8)], [...Buffer.from('MESSAGE\n')]);
    assert.equal(binary.readBigUInt64LE(8), 3n);
    assert.equal(binary.subarray(16).toString(), 'a\nb\n');
  });
});
