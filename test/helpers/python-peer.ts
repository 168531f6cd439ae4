// python3 as an independent peer for socket tests, so the addon is not only checked against itself.
import { spawn } from 'node:child_process';

export interface PythonResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a python3 program with args and collects its output. */
export function runPython(program: string, args: string[] = [], input?: string): Promise<PythonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', ['-c', program, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
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
