// The OCI bundle directory as a container source: the user's bundle, only read (the runtime gets a
// config.json written elsewhere), so there is nothing to release.
import { loadBundle } from '../spec/bundle';
import { bundleBase } from '../spec/bundle-base';
import type { BundleSourceRecord } from '../state/types';
import type { ContainerSource, PreparedSource } from './source';

export class BundleSource implements ContainerSource {
  readonly requested: BundleSourceRecord;

  constructor(readonly bundleDir: string) {
    this.requested = { kind: 'bundle', path: bundleDir };
  }

  async prepare(): Promise<PreparedSource> {
    return { base: bundleBase(loadBundle(this.bundleDir)), record: this.requested };
  }

  async release(): Promise<void> {}
}
