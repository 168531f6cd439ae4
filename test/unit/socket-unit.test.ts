// The .socket unit ctrmon writes and the .socket files it accepts: a Listen...= setting, never
// Accept=yes (the container's server accepts on the listening socket), each error naming what was wrong.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { checkSocketFile, renderSocketUnit, socketDirectives } from '../../src/systemd/socket-unit';
import { parseUnitFile } from '../../src/systemd/unit-file';

describe('socket units', () => {
  test('--socket settings become the [Socket] section, in order, wanted by sockets.target', () => {
    const text = renderSocketUnit('web.service', socketDirectives(['ListenStream=127.0.0.1:8080', 'FileDescriptorName=http']), 'hdr');
    assert.deepEqual(
      parseUnitFile(text, 'web.socket').map((e) => `${e.section}|${e.key}|${e.value}`),
      [
        'Unit|Description|socket of web.service',
        'Socket|ListenStream|127.0.0.1:8080',
        'Socket|FileDescriptorName|http',
        'Install|WantedBy|sockets.target',
      ],
    );
    assert.ok(text.startsWith('# hdr\n'));
  });

  test('a setting that is not KEY=VALUE, no Listen...=, or Accept=yes is refused, naming it', () => {
    assert.throws(() => socketDirectives(['8080']), {
      code: 'ERR_INVALID_OPTION',
      message: /--socket "8080": expected a \[Socket\] setting/,
    });
    assert.throws(() => socketDirectives(['Backlog=10']), { code: 'ERR_INVALID_OPTION', message: /needs a Listen\.\.\.= setting/ });
    assert.throws(() => socketDirectives(['ListenStream=80', 'Accept=yes']), { message: /Accept=yes is not supported/ });
    assert.deepEqual(socketDirectives(['ListenStream=80', 'Accept=no']), [
      ['ListenStream', '80'],
      ['Accept', 'no'],
    ]);
  });

  test('a .socket file beside a .container file: checked, its [Install] returned', () => {
    assert.deepEqual(checkSocketFile('/x/web.socket', '[Socket]\nListenStream=80\n[Install]\nWantedBy=sockets.target\n'), [
      ['WantedBy', 'sockets.target'],
    ]);
    assert.throws(() => checkSocketFile('/x/web.socket', '[Socket]\nListenStream=80\nAccept=true\n'), {
      code: 'ERR_UNIT_FILE',
      message: /^\/x\/web\.socket: Accept=true is not supported/,
    });
  });
});
