// A User ("name", "uid", "name:group", "uid:gid": an image's, or --user) as the numbers a runtime
// needs, resolved against the rootfs' own /etc/passwd and /etc/group as moby/sys/user does: a numeric
// uid not in passwd runs with gid 0; a name that is not there is an error; supplementary groups
// come from /etc/group membership only when no group is given. The runtimes never resolve names.
import { CtrmonError } from '../../errors';

export interface ResolvedUser {
  uid: number;
  gid: number;
  additionalGids: number[];
  /** From passwd, for $HOME; "/" when the user has no entry. */
  home: string;
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
  home: string;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

/** runc's limit: ids must fit a signed 32-bit integer. */
const MAX_ID = 2 ** 31 - 1;

function fields(text: string): string[][] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => l.split(':'));
}

export function parsePasswd(text: string): PasswdEntry[] {
  return fields(text)
    .filter((f) => f.length >= 7 && /^\d+$/.test(f[2]) && /^\d+$/.test(f[3]))
    .map((f) => ({ name: f[0], uid: Number(f[2]), gid: Number(f[3]), home: f[5] || '/' }));
}

export function parseGroup(text: string): GroupEntry[] {
  return fields(text)
    .filter((f) => f.length >= 4 && /^\d+$/.test(f[2]))
    .map((f) => ({ name: f[0], gid: Number(f[2]), members: f[3] ? f[3].split(',') : [] }));
}

function id(value: string, what: string, spec: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > MAX_ID)
    throw new CtrmonError('ERR_IMAGE_CONFIG', `user "${spec}": ${what} ${value} is out of range`);
  return n;
}

/** Resolves spec ("" means root) with the rootfs' passwd and group files (empty text when absent); where names the rootfs. */
export function resolveUser(spec: string, passwdText: string, groupText: string, where = "the image's"): ResolvedUser {
  const [userPart, groupPart] = spec === '' ? ['0', undefined] : spec.split(':', 2);
  const passwd = parsePasswd(passwdText);
  const groups = parseGroup(groupText);
  let entry: PasswdEntry | undefined;
  let uid: number;
  if (/^\d+$/.test(userPart)) {
    uid = id(userPart, 'uid', spec);
    entry = passwd.find((p) => p.uid === uid);
  } else {
    entry = passwd.find((p) => p.name === userPart);
    if (!entry) throw new CtrmonError('ERR_IMAGE_CONFIG', `user "${spec}": no user "${userPart}" in ${where} /etc/passwd`);
    uid = entry.uid;
  }
  let gid = entry?.gid ?? 0;
  let additionalGids: number[] = [];
  if (groupPart !== undefined && groupPart !== '') {
    if (/^\d+$/.test(groupPart)) gid = id(groupPart, 'gid', spec);
    else {
      const group = groups.find((g) => g.name === groupPart);
      if (!group) throw new CtrmonError('ERR_IMAGE_CONFIG', `user "${spec}": no group "${groupPart}" in ${where} /etc/group`);
      gid = group.gid;
    }
  } else if (entry) {
    const name = entry.name;
    additionalGids = groups.filter((g) => g.members.includes(name) && g.gid !== gid).map((g) => g.gid);
  }
  return { uid, gid, additionalGids, home: entry?.home ?? '/' };
}

/** Groups given by gid or by name (--group-add), names resolved with the rootfs' group file. */
export function resolveGroups(specs: string[], groupText: string, where = "the image's"): number[] {
  const groups = parseGroup(groupText);
  return specs.map((spec) => {
    if (/^\d+$/.test(spec)) return id(spec, 'gid', spec);
    const group = groups.find((g) => g.name === spec);
    if (!group) throw new CtrmonError('ERR_IMAGE_CONFIG', `group "${spec}": no group "${spec}" in ${where} /etc/group`);
    return group.gid;
  });
}
