import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { alignColumns, renderTemplate } from '../../src/format/go-template';

const rows = [
  { Repository: '127.0.0.1:5000/web', Tag: 'latest', Digest: 'sha256:ab', Size: 12, Labels: { a: 'b' } },
  { Repository: 'docker.io/library/busybox', Tag: '1.36', Digest: 'sha256:cd', Size: 3, Labels: null },
];

describe("podman's --format templates", () => {
  test('fields, nested fields, json, upper and escapes', () => {
    assert.equal(
      renderTemplate('{{.Repository}}:{{.Tag}} {{.Digest}}', rows),
      '127.0.0.1:5000/web:latest sha256:ab\ndocker.io/library/busybox:1.36 sha256:cd\n',
    );
    assert.equal(renderTemplate('{{ .Labels.a }}\\t{{json .Labels}}', rows.slice(0, 1)), 'b\t{"a":"b"}\n');
    assert.equal(renderTemplate('{{upper .Tag}}', rows.slice(1)), '1.36\n');
    assert.equal(renderTemplate('{{json .}}', [{ a: 1 }]), '{"a":1}\n');
    assert.equal(renderTemplate('{{.Labels}}', rows.slice(1)), '<no value>\n');
  });

  test('table: a header from the field names and aligned columns', () => {
    assert.equal(
      renderTemplate('table {{.Repository}}\\t{{.Tag}}', rows),
      'REPOSITORY                 TAG\n127.0.0.1:5000/web         latest\ndocker.io/library/busybox  1.36\n',
    );
    assert.equal(alignColumns(['a\tbb\tc', 'ccc\td\te']), 'a    bb  c\nccc  d   e\n');
  });

  test('an unknown action or field is an error naming it', () => {
    assert.throws(() => renderTemplate('{{range .}}x{{end}}', rows), {
      code: 'ERR_INVALID_OPTION',
      message: /unsupported template action \{\{range \.\}\}/,
    });
    assert.throws(() => renderTemplate('{{.Nope}}', rows), { message: /no field \.Nope/ });
  });
});
