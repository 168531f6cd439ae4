// Where everything of the image store lives under its root (--root, the host's by default). The
// OCI image layout (oci-layout, index.json, blobs/sha256/) is what skopeo and umoci read and write; the
// other directories are ctrmon's and, being unknown to the layout, are ignored by those tools.
// Everything is on one filesystem, so every final step is a rename.
import * as path from 'node:path';

import { type Digest, digestHex } from '../digest';

export class StorePaths {
  readonly ociLayout: string;
  readonly index: string;
  readonly blobs: string;
  /** Blobs being downloaded: <hex> (resumable) or anon-<pid>-<n>, each with a <name>.lock its writer holds. */
  readonly ingest: string;
  /** Extracted layers, one directory per ChainID: diff/ (an overlay lower dir) and layer.json. */
  readonly layers: string;
  /** Layers being extracted: <hex>/ with <hex>.lock beside it. */
  readonly staging: string;
  /** Layers being deleted: renamed here first so a half-deleted layer is never seen under layers/. */
  readonly trash: string;
  /** One JSON file per lease: content a pull or a running container needs, kept by garbage collection. */
  readonly leases: string;
  /** The store-wide lock: index.json updates, lease updates, garbage collection and recovery. */
  readonly lock: string;

  constructor(readonly root: string) {
    this.ociLayout = path.join(root, 'oci-layout');
    this.index = path.join(root, 'index.json');
    this.blobs = path.join(root, 'blobs', 'sha256');
    this.ingest = path.join(root, 'ingest');
    this.layers = path.join(root, 'layers');
    this.staging = path.join(root, 'staging');
    this.trash = path.join(root, 'trash');
    this.leases = path.join(root, 'leases');
    this.lock = path.join(root, 'store.lock');
  }

  blob(digest: Digest): string {
    return path.join(this.blobs, digestHex(digest));
  }

  layer(chainId: Digest): string {
    return path.join(this.layers, digestHex(chainId));
  }

  lease(id: string): string {
    return path.join(this.leases, `${id}.json`);
  }
}
