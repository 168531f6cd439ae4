// The options of `ctrmon monitor`, shared with `ctrmon generate systemd`, which takes the same
// ones and puts them into the unit's ExecStart.
import { Command, Option } from 'commander';

import { LOG_LEVELS } from '../log';
import { LOG_DRIVERS } from '../logs/driver';
import { CGROUP_MODES, SDNOTIFY_MODES } from '../monitor/options';
import { DEFAULT_STATE_DIR } from '../monitor/state-file';

const collect = (value: string, previous: string[]) => [...previous, value];

export function addMonitorOptions(command: Command): Command {
  return command
    .option('--bundle <dir>', 'OCI bundle (config.json + rootfs); never modified')
    .option('--runtime <name|path>', 'OCI runtime: crun, runc or a path (default: crun if on PATH, else runc)')
    .option('--runtime-arg <arg>', 'global runtime option placed before the verb (repeatable), e.g. --runtime-arg=--cgroup-manager=disabled', collect, [])
    .addOption(new Option('--sdnotify <mode>', 'who says READY=1: the application (container), ctrmon once started (conmon), the first passing health check (healthy), or nobody (ignore)').choices(SDNOTIFY_MODES).default('conmon'))
    .option('-e, --env <KEY=VALUE>', 'set an environment variable in the container (repeatable); KEY alone copies it from here', collect, [])
    .option('--label <KEY=VALUE>', 'a label recorded in the state file (repeatable)', collect, [])
    .option('--health-cmd <command>', 'health check run in the container: a shell command or a JSON array')
    .option('--health-interval <duration>', 'time between health checks', '30s')
    .option('--health-timeout <duration>', 'how long one health check may run', '30s')
    .option('--health-retries <n>', 'consecutive failures before unhealthy', '3')
    .option('--health-start-period <duration>', 'failures in this initial period do not count', '0s')
    .option('--stop-signal <signal>', 'signal that asks the container to stop', 'SIGTERM')
    .option('--stop-timeout <seconds>', 'wait this long after the stop signal, then SIGKILL', '10')
    .addOption(new Option('--log-driver <driver>', "where the container's output goes").choices(LOG_DRIVERS).default('passthrough'))
    .option('--log-path <path>', 'k8s-file: the log file (default <state-dir>/<name>/ctr.log); journald: the journal socket')
    .option('--log-size-max <size>', 'k8s-file: truncate the log when it would pass this size (e.g. 10m)')
    .option('--pidfile <file>', "write the container's pid here")
    .option('--state-dir <dir>', 'where state.json, sockets and the derived bundle live', DEFAULT_STATE_DIR)
    .addOption(new Option('--cgroups <mode>', "split: move ctrmon to <unit>/supervisor and the container to <unit>/container; bundle: keep the bundle's cgroupsPath").choices(CGROUP_MODES).default('split'))
    .option('--notify-extend-timeout-max <duration>', 'relay EXTEND_TIMEOUT_USEC= from the container, clamped to this (default: never relayed)')
    .addOption(new Option('--log-level <level>', "ctrmon's own log level (JSON on stderr)").choices(LOG_LEVELS).default('info'));
}
