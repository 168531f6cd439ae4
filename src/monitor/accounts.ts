// The accounts of a container's rootfs (/etc/passwd and /etc/group), read inside it so that no
// symlink leads out, and the user and groups the options name, resolved with them. An image's
// own User is resolved the same way; --user replaces it. Numeric ids need no entry.
import { type ResolvedUser, resolveGroups, resolveUser } from '../image/conversion/user';
import { readFileInRoot } from '../native';

/** passwd and group files bigger than this are no passwd and group files. */
const MAX_ACCOUNT_FILE = 1024 * 1024;

/** --user and --group-add as given. */
export interface AccountOptions {
  user?: string;
  groupAdd: string[];
}

export interface ResolvedAccount {
  user: ResolvedUser;
  groupAdd: number[];
}

/** The user (spec, else fallback) and the added groups, resolved in rootfs; where names the rootfs in errors. */
export function resolveAccount(rootfs: string, spec: string, groupAdd: string[], where: string): ResolvedAccount {
  const read = (file: string) => readFileInRoot(rootfs, file, MAX_ACCOUNT_FILE)?.toString('utf8') ?? '';
  const group = read('/etc/group');
  return { user: resolveUser(spec, read('/etc/passwd'), group, where), groupAdd: resolveGroups(groupAdd, group, where) };
}
