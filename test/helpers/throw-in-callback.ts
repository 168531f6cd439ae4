// Child program for the native tests: JS callbacks that throw inside native event callbacks must
// reach process 'uncaughtException', and the process must go on (never abort).
import { spawn } from 'node:child_process';

import { DatagramSocket, ProcessHandle, setChildSubreaper } from '../../src/native';

let uncaught = 0;
process.on('uncaughtException', (err) => {
  uncaught++;
  console.log(`uncaught: ${err.message}`);
  if (uncaught === 1) afterDatagramThrow();
});

const address = `@ctrmon-throw-${process.pid}`;
const receiver = new DatagramSocket();
receiver.bind(address);
let received = 0;
receiver.receive(
  4096,
  () => {
    received++;
    if (received === 1) throw new Error('thrown from a datagram callback');
    console.log('delivered after the throw');
    receiver.close();
    exitCallbackThrows();
  },
  (err) => console.log(`socket error: ${err.message}`),
);
const sender = new DatagramSocket();
sender.send(Buffer.from('first'), address);

function afterDatagramThrow(): void {
  sender.send(Buffer.from('second'), address);
  sender.close();
}

function exitCallbackThrows(): void {
  setChildSubreaper(true);
  const sh = spawn('sh', ['-c', 'sleep 0.05 & echo $!'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  sh.stdout.on('data', (d: Buffer) => (out += d.toString()));
  sh.on('exit', () => {
    const handle = new ProcessHandle(Number(out.trim()));
    handle.watchExit(() => {
      handle.close();
      setImmediate(() => console.log('done'));
      throw new Error('thrown from an exit callback');
    });
  });
}
