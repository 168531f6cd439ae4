// Worker program for the native tests: loads the addon, leaves a receiving socket and a pidfd
// watch open, and reports its socket address; the test then terminates the worker with the handles still open.
import { parentPort } from 'node:worker_threads';

import { DatagramSocket, ProcessHandle } from '../../src/native';

const address = `@ctrmon-worker-${process.pid}`;
const sock = new DatagramSocket();
sock.bind(address);
sock.receive(
  4096,
  () => undefined,
  () => undefined,
);
const self = new ProcessHandle(process.pid);
self.watchExit(() => undefined);
parentPort!.postMessage(address);
