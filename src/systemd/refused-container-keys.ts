// The [Container] keys of podman-systemd.unit(5) that ctrmon does not do, each with the reason and
// what to do instead: a file that uses one is refused with that message, instead of being run
// without what it asked for. A key that becomes an option (config/monitor-options.ts) leaves this
// table; ctrmon.container(5) lists the table under REFUSED KEYS.

const USER_NAMESPACES = 'ctrmon does not map user namespaces yet; the container runs with the ids of its config';
const NO_PODMAN = 'ctrmon runs the OCI runtime itself, there is no podman command line';
const PODS = 'ctrmon runs one container per unit, without pods';
const SELINUX = 'ctrmon sets no SELinux labels';
const HEALTH_LOG = 'ctrmon keeps the last health check results in the state file, not a health log';

export const REFUSED_CONTAINER_KEYS: Readonly<Record<string, string>> = {
  CgroupsMode: "ctrmon always splits the unit's cgroup (the monitor in supervisor/, the container in container/)",
  ContainersConfModule: 'ctrmon reads no containers.conf',
  GIDMap: USER_NAMESPACES,
  GlobalArgs: `${NO_PODMAN}: write the setting as its own key`,
  HealthLogDestination: HEALTH_LOG,
  HealthMaxLogCount: HEALTH_LOG,
  HealthMaxLogSize: HEALTH_LOG,
  Pod: PODS,
  PodmanArgs: `${NO_PODMAN}: write the setting as its own key`,
  RemapGid: USER_NAMESPACES,
  RemapUid: USER_NAMESPACES,
  RemapUidSize: USER_NAMESPACES,
  RemapUsers: USER_NAMESPACES,
  Rootfs: 'use Bundle= with an OCI bundle directory (config.json beside the rootfs)',
  RunInit: 'ctrmon adds no init process: run an image whose entrypoint reaps its children',
  SecurityLabelDisable: SELINUX,
  SecurityLabelFileType: SELINUX,
  SecurityLabelLevel: SELINUX,
  SecurityLabelNested: SELINUX,
  SecurityLabelType: SELINUX,
  ServiceName: "the unit's name is the file's: rename the file",
  StartWithPod: PODS,
  SubGIDMap: USER_NAMESPACES,
  SubUIDMap: USER_NAMESPACES,
  UIDMap: USER_NAMESPACES,
  UserNS: USER_NAMESPACES,
};
