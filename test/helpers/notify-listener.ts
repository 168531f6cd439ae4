// A stand-in for systemd's notify socket, written in python so that what ctrmon sends is checked
// by an independent receiver: it binds (SO_PASSCRED), closes passed fds (BARRIER=1) and prints one
// JSON line per datagram with the arrival time and the sender's pid.
import { type ChildProcess, spawn } from 'node:child_process';
import * as readline from 'node:readline';

import { delay } from './wait';

const LISTENER = `
import array, json, os, socket, struct, sys, time
address, pause = sys.argv[1], float(sys.argv[2])
if address.startswith('@'):
    bind_to = '\\0' + address[1:]
else:
    bind_to = address
    try: os.unlink(address)
    except FileNotFoundError: pass
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
s.bind(bind_to)
print(json.dumps({'listening': True}), flush=True)
if pause: time.sleep(pause)
while True:
    msg, anc, flags, _ = s.recvmsg(65536, socket.CMSG_SPACE(12) + socket.CMSG_SPACE(4 * 64))
    pid, fds = -1, 0
    for level, kind, data in anc:
        if kind == socket.SCM_CREDENTIALS: pid = struct.unpack('iII', data[:12])[0]
        if kind == socket.SCM_RIGHTS:
            for fd in array.array('i', data[: len(data) - len(data) % 4]):
                os.close(fd); fds += 1
    print(json.dumps({'t': time.time(), 'pid': pid, 'fds': fds, 'msg': msg.decode('latin1')}), flush=True)
`;

export interface Received {
  /** Arrival, seconds since the epoch. */
  t: number;
  pid: number;
  fds: number;
  msg: string;
}

export class NotifyListener {
  readonly messages: Received[] = [];

  private constructor(
    readonly address: string,
    private readonly child: ChildProcess,
  ) {}

  /** Binds address; with pauseMs it reads nothing for that long (a busy systemd). */
  static async start(address: string, pauseMs = 0): Promise<NotifyListener> {
    const child = spawn('python3', ['-c', LISTENER, address, String(pauseMs / 1000)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let listener: NotifyListener | undefined;
    const ready = new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`notify listener exited (${code}) before listening`)));
      readline.createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as Received & { listening?: boolean };
        if (entry.listening) resolve();
        else listener!.messages.push(entry);
      });
    });
    listener = new NotifyListener(address, child);
    await ready;
    return listener;
  }

  /** Waits until some message matches; returns it. */
  async waitFor(match: (m: Received) => boolean, timeoutMs: number, what: string): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.messages.find(match);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; got ${JSON.stringify(this.messages.map((m) => m.msg))}`);
      await delay(10);
    }
  }

  payloads(): string[] {
    return this.messages.map((m) => m.msg);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((resolve) => this.child.once('exit', resolve));
    this.child.kill('SIGKILL');
    await exited;
  }
}
