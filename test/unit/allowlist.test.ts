import assert from 'node:assert/strict';
import { describe, test } from 'node:test';

import { parseNotifySocket } from '../../src/notify/address';
import { filterMessage } from '../../src/notify/allowlist';
import { isStateChange } from '../../src/notify/relay';

describe('notify allowlist', () => {
  test('keeps exact and prefix matches in order and names what it drops', () => {
    const { kept, dropped } = filterMessage(
      'READY=1\nMAINPID=1\nSTATUS=a=b c\nNOTIFYACCESS=all\nWATCHDOG=trigger\nFDSTORE=1\nERRNO=2\nREADY=0',
    );
    assert.deepEqual(kept, ['READY=1', 'STATUS=a=b c', 'WATCHDOG=trigger', 'ERRNO=2']);
    assert.deepEqual(dropped, ['MAINPID', 'NOTIFYACCESS', 'FDSTORE', 'READY']);
  });

  test('splits on CR as well as LF and ignores empty lines', () => {
    assert.deepEqual(filterMessage('READY=1\r\n\r\nSTATUS=x\r').kept, ['READY=1', 'STATUS=x']);
  });

  test('drops every field that could repoint, re-time or outlive the unit', () => {
    const hostile = [
      'MAINPID=1',
      'MAINPIDFD=1',
      'MAINPIDFDID=2',
      'NOTIFYACCESS=all',
      'FDSTORE=1',
      'FDSTOREREMOVE=1',
      'FDNAME=x',
      'FDPOLL=0',
      'WATCHDOG_USEC=1',
      'RESTART_RESET=1',
      'BARRIER=1',
      'EXTEND_TIMEOUT_USEC=1',
    ];
    assert.deepEqual(filterMessage(hostile.join('\n')).kept, []);
  });

  test('EXTEND_TIMEOUT_USEC is clamped to the cap when allowed; a non-number is dropped', () => {
    const opts = { extendTimeoutMaxUsec: 5_000_000 };
    assert.deepEqual(filterMessage('EXTEND_TIMEOUT_USEC=1000', opts).kept, ['EXTEND_TIMEOUT_USEC=1000']);
    assert.deepEqual(filterMessage('EXTEND_TIMEOUT_USEC=99000000', opts).kept, ['EXTEND_TIMEOUT_USEC=5000000']);
    assert.deepEqual(filterMessage('EXTEND_TIMEOUT_USEC=soon', opts).kept, []);
  });

  test('state changes are what an overflow keeps longest', () => {
    assert.equal(isStateChange(Buffer.from('STATUS=x\nREADY=1')), true);
    assert.equal(isStateChange(Buffer.from('STOPPING=1')), true);
    assert.equal(isStateChange(Buffer.from('WATCHDOG=1\nSTATUS=READY=1')), false);
  });
});

describe('NOTIFY_SOCKET', () => {
  test('accepts absolute paths and @abstract names', () => {
    assert.equal(parseNotifySocket('/run/systemd/notify'), '/run/systemd/notify');
    assert.equal(parseNotifySocket('@sd-notify'), '@sd-notify');
  });

  test('refuses vsock and relative addresses by name', () => {
    assert.throws(() => parseNotifySocket('vsock:2:1234'), {
      code: 'ERR_NOTIFY_SOCKET',
      message: 'NOTIFY_SOCKET=vsock:2:1234: vsock addresses are not supported',
    });
    assert.throws(() => parseNotifySocket('run/notify'), /expected an absolute path or @name/);
    assert.throws(() => parseNotifySocket('@'), /expected an absolute path/);
  });
});
