// The OCI bundle directory as a container source: the user's bundle, only read (the runtime gets a
// config.json written elsewhere), so there is nothing to release. --user and --group-add are
// resolved with the bundle rootfs' /etc/passwd and /etc/group, as an image's are with its own;
// without them, the config's process.user stands.
import { loadBundle } from '../spec/bundle';
import { bundleBase } from '../spec/bundle-base';
import type { BundleSourceRecord } from '../state/types';
import { type AccountOptions, resolveAccount } from './accounts';
import type { ContainerSource, PreparedSource } from './source';

export class BundleSource implements ContainerSource {
  readonly requested: BundleSourceRecord;

  constructor(
    readonly bundleDir: string,
    private readonly account: AccountOptions = { groupAdd: [] },
  ) {
    this.requested = { kind: 'bundle', path: bundleDir };
  }

  async prepare(): Promise<PreparedSource> {
    const bundle = loadBundle(this.bundleDir);
    const base = bundleBase(bundle);
    const { user, groupAdd } = this.account;
    if (user !== undefined || groupAdd.length) {
      const own = bundle.config.process.user;
      const resolved = resolveAccount(bundle.rootfs, user ?? `${own?.uid ?? 0}`, groupAdd, "the bundle's");
      if (user !== undefined) base.user = resolved.user;
      base.groupAdd = resolved.groupAdd;
    }
    return { base, record: this.requested };
  }

  async release(): Promise<void> {}
}
