// An image as a container source. At every start: the image is found in the store (pulled first
// when the pull policy says so, by a `ctrmon pull` child: the monitor never loads the registry
// client), leased so that no prune removes it while it runs, any layer not yet extracted is
// extracted from its blob, and a fresh rootfs is mounted: overlayfs of the layers with an upper
// directory of this container's own. The image's /etc/passwd and /etc/group are read inside that
// rootfs (for its User, or --user, and --group-add), and its config becomes the base of the runtime's (spec/image-base.ts). release() unmounts
// it and removes the upper directory; a leftover of a crash is cleaned the same way before the
// next mount.
import { createReadStream, mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';

import { CtrmonError, errorMessage } from '../errors';
import { type Digest, chainIds, parseDigest } from '../image/digest';
import { parseImageConfig } from '../image/conversion/image-config';
import type { PullPolicy } from '../image/pull';
import type { Lease } from '../image/store/lease';
import { formatReference, parseReference } from '../image/reference';
import { ImageStore } from '../image/store/store';
import { unpackLayer } from '../image/store/unpack';
import type { Logger } from '../log';
import { mountOverlay, type SystemError, unmount } from '../native';
import { imageBase } from '../spec/image-base';
import type { ImageSourceRecord } from '../state/types';
import { type AccountOptions, resolveAccount } from './accounts';
import type { ContainerSource, PreparedSource } from './source';

export interface ImageSourceOptions {
  /** The reference as the user wrote it. */
  reference: string;
  storeRoot: string;
  pull: PullPolicy;
  name: string;
  /** <state-dir>/<name>: rootfs/, upper/ and work/ go here. */
  containerDir: string;
  /** The manifest to start instead of the one the reference names (the update engine's pin); never pulled. */
  pinnedDigest?: string;
  /** --user (instead of the image's User) and --group-add. */
  account: AccountOptions;
  /** Runs `ctrmon pull` for the reference (a child process); rejects with its error. */
  pullImage: (reference: string) => Promise<void>;
  log: Logger;
}

interface ManifestJson {
  config: { digest: string };
  layers: { digest: string; mediaType: string }[];
}

export class ImageSource implements ContainerSource {
  readonly requested: ImageSourceRecord;
  readonly bundleDir: string;
  private readonly rootfs: string;
  private readonly upper: string;
  private readonly work: string;
  private lease?: Lease;
  private mounted = false;

  constructor(private readonly o: ImageSourceOptions) {
    this.requested = {
      kind: 'image',
      reference: o.reference,
      root: o.storeRoot,
      name: formatReference(parseReference(o.reference)),
      manifestDigest: null,
      indexDigest: null,
      imageId: null,
    };
    this.bundleDir = o.containerDir;
    this.rootfs = path.join(o.containerDir, 'rootfs');
    this.upper = path.join(o.containerDir, 'upper');
    this.work = path.join(o.containerDir, 'work');
  }

  async prepare(): Promise<PreparedSource> {
    const { name } = this.requested;
    const store = await ImageStore.open(this.o.storeRoot);
    const manifestDigest = await this.manifestToStart(store, name);
    const manifest = store.readJsonBlob(manifestDigest) as ManifestJson;
    const imageId = parseDigest(manifest.config.digest, 'config digest');
    const config = parseImageConfig(store.readBlob(imageId), imageId);
    const diffIds = config.rootfs.diff_ids.map((d) => parseDigest(d, 'diff_id'));
    const chains = chainIds(diffIds);
    this.lease = await store.createLease(`container-${this.o.name}`);
    await this.lease.add({ digests: [manifestDigest, imageId, ...manifest.layers.map((l) => parseDigest(l.digest))], layers: chains });
    await this.extractMissing(store, manifest, diffIds, chains);
    this.cleanLeftovers();
    mkdirSync(this.upper, { recursive: true, mode: 0o755 });
    mkdirSync(this.work, { recursive: true, mode: 0o700 });
    mkdirSync(this.rootfs, { recursive: true, mode: 0o755 });
    // overlayfs takes the topmost layer first.
    mountOverlay(
      [...chains].reverse().map((c) => store.layerDiffPath(c)),
      this.upper,
      this.work,
      this.rootfs,
    );
    this.mounted = true;
    const { account } = this.o;
    const { user, groupAdd } = resolveAccount(this.rootfs, account.user ?? config.config.User ?? '', account.groupAdd, "the image's");
    return {
      base: { ...imageBase({ name: this.o.name, image: config, user, rootfs: this.rootfs, machineId: imageId.slice(7, 39) }), groupAdd },
      record: { ...this.requested, manifestDigest, imageId },
    };
  }

  async release(): Promise<void> {
    if (this.mounted) {
      unmount(this.rootfs, { detach: true });
      this.mounted = false;
    }
    rmSync(this.upper, { recursive: true, force: true });
    rmSync(this.work, { recursive: true, force: true });
    await this.lease?.release();
  }

  private async manifestToStart(store: ImageStore, name: string): Promise<Digest> {
    if (this.o.pinnedDigest !== undefined) {
      const pinned = parseDigest(this.o.pinnedDigest, 'image pin');
      if (!store.hasBlob(pinned)) {
        throw new CtrmonError(
          'ERR_IMAGE_NOT_FOUND',
          `image ${name}@${pinned} (pinned by auto-update) is not in the store at ${this.o.storeRoot}`,
          {
            digest: pinned,
            path: this.o.storeRoot,
          },
        );
      }
      return pinned;
    }
    await this.pullAsPolicySays(store);
    const descriptor = store.resolve(name);
    if (!descriptor) {
      throw new CtrmonError('ERR_IMAGE_NOT_FOUND', `image ${name} is not in the store at ${this.o.storeRoot} (--pull=${this.o.pull})`, {
        name,
        path: this.o.storeRoot,
      });
    }
    return parseDigest(descriptor.digest, 'manifest digest');
  }

  private async pullAsPolicySays(store: ImageStore): Promise<void> {
    const { pull } = this.o;
    const present = store.resolve(this.requested.name) !== undefined;
    if (pull === 'never' || (pull === 'missing' && present)) return;
    try {
      await this.o.pullImage(this.o.reference);
    } catch (err) {
      // newer: a registry that cannot be reached leaves the image the store has.
      if (pull !== 'newer' || !present) throw err;
      this.o.log.warn({ err: errorMessage(err), image: this.requested.name }, 'could not check for a newer image; starting the stored one');
    }
  }

  /** Layers whose blob is in the store but that are not extracted (a load, a cache cleared). */
  private async extractMissing(store: ImageStore, manifest: ManifestJson, diffIds: Digest[], chains: Digest[]): Promise<void> {
    for (const [i, chainId] of chains.entries()) {
      const staging = await store.stageLayer(chainId, { lease: this.lease });
      if (staging === null) continue;
      const digest = parseDigest(manifest.layers[i].digest, 'layer digest');
      const layer = { digest, mediaType: manifest.layers[i].mediaType, diffId: diffIds[i], parent: i ? chains[i - 1] : null };
      await unpackLayer(layer, createReadStream(store.blobPath(digest)), staging);
    }
  }

  /** A rootfs still mounted by a monitor that crashed, and its upper and work directories. */
  private cleanLeftovers(): void {
    try {
      unmount(this.rootfs, { detach: true });
    } catch (err) {
      const code = (err as SystemError).code;
      if (code !== 'EINVAL' && code !== 'ENOENT') throw err; // not mounted, or not there: nothing to clean
    }
    rmSync(this.upper, { recursive: true, force: true });
    rmSync(this.work, { recursive: true, force: true });
  }
}
