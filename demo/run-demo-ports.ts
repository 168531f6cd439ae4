// `ctrmon demo --ports`: the README tour's two published services, for real. A private systemd with a
// network of its own runs two .container files (the demo bundle, busybox httpd on 8080 inside), each
// publishing 8080 on another host port; the generator makes their units, `ctrmon ps` shows the ports,
// curl gets each one's name, and once both are stopped no rule, veth or namespace is left.
import { realpathSync } from 'node:fs';
import * as path from 'node:path';

import { packagePath } from '../src/package-root';
import { buildDemoBundle } from '../test/lab/demo-bundle';
import { PrivateSystemd } from '../test/lab/systemd/private-systemd';

export interface PortsDemoOptions {
  workDir: string;
  runtime: string;
  print: (line: string) => void;
}

const SERVICES = [
  ['blue', 8081],
  ['green', 8082],
] as const;

/** The server: its name on 8080, stopped at once by SIGTERM. */
const SERVE = "mkdir -p /tmp/w; echo $0 >/tmp/w/index.html; httpd -f -p 8080 -h /tmp/w & pid=$!; trap 'kill $pid; exit 0' TERM; wait";

/** Returns 0 when each service answered with its own name and the stops left nothing, 1 otherwise. */
export async function runPortsDemo(options: PortsDemoOptions): Promise<number> {
  const { print } = options;
  const bundle = buildDemoBundle(path.join(options.workDir, 'bundle'));
  const nsd = await PrivateSystemd.boot(path.join(options.workDir, 'systemd-ports'));
  const ctrmon = (...args: string[]) => nsd.exec([process.execPath, realpathSync(packagePath('bin', 'ctrmon.js')), ...args]).stdout;
  const shell = (command: string) => {
    print(`$ ${command}`);
    const out = nsd.exec(['sh', '-c', command]).stdout.trimEnd();
    if (out) print(out.replace(/^/gm, '    '));
    return out;
  };
  try {
    nsd.linkGenerator();
    nsd.exec(['ip', 'link', 'set', 'lo', 'up']);
    for (const [name, port] of SERVICES) {
      const file = `/run/ctrmon/systemd/${name}.container`;
      const text = `[Container]\nBundle=${bundle}\nRuntime=${options.runtime}\nPublishPort=${port}:8080\nExec=/bin/sh -c "${SERVE}" ${name}\n`;
      nsd.writeFile(file, text);
      print(`[demo] ${file}:\n${text.trimEnd().replace(/^/gm, '    ')}`);
    }
    await nsd.client.daemonReload();
    shell('systemctl start blue.service green.service');
    print('$ ctrmon ps');
    print(ctrmon('ps').trimEnd().replace(/^/gm, '    '));
    const answers: string[] = [];
    for (const [, port] of SERVICES) {
      let body = '';
      for (let i = 0; i < 50 && !body; i++) {
        body = nsd.exec(['curl', '-s', '-m', '1', `http://127.0.0.1:${port}/`]).stdout.trim();
        if (!body) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      print(`$ curl http://127.0.0.1:${port}/\n    ${body}`);
      answers.push(body);
    }
    shell('systemctl stop blue.service green.service');
    const left = shell('ls /run/netns; ip -o link show type veth; iptables -t nat -S | grep -c -- "-j DNAT"').split('\n');
    const ok = answers.join(',') === 'blue,green' && left.join('') === '0';
    print(
      ok ? '[demo] OK: two services on 8080 inside, each on its own host port; nothing left once they stopped' : '[demo] FAILED: see above',
    );
    return ok ? 0 : 1;
  } finally {
    await nsd.shutdown();
  }
}
