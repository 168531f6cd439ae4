// python3 as an independent peer for socket tests, so the addon is not only checked against itself.
import { type RunResult, run } from '../../src/process/spawn';

/** Runs a python3 program with args and collects its output. */
export function runPython(program: string, args: string[] = []): Promise<RunResult> {
  return run('python3', ['-c', program, ...args]);
}

/** Python source: sendto(argv[1], argv[2]) on a fresh AF_UNIX datagram socket; '@' = abstract. */
export const PY_SEND = `
import os, socket, sys
addr = sys.argv[1]
if addr.startswith('@'): addr = '\\0' + addr[1:]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.sendto(sys.argv[2].encode(), addr)
print(os.getpid())
`;
