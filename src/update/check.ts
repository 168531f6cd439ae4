// "Is there an update?", per policy, as podman decides it and a little cheaper:
// - registry: the registry's digest for the reference, for the platform of the image that runs
//   (its own os/architecture/variant, not this machine's default), against the running manifest.
//   A HEAD comes first: when the tag still names the running manifest or its index, that is all.
// - local: the store's image for the reference against the running one, by image ID, with no
//   network at all.
// A reference pinned by digest never changes, so it never has an update.
import { CtrmonError } from '../errors';
import { type Digest, parseDigest } from '../image/digest';
import { parseImageConfig } from '../image/conversion/image-config';
import type { Platform } from '../image/platform';
import { parseReference } from '../image/reference';
import type { RegistryClient } from '../image/registry/client';
import type { ImageStore } from '../image/store/store';
import type { Descriptor } from '../image/store/index-file';
import type { UpdateTask } from './tasks';

export interface Candidate {
  /** The manifest the update would start. */
  digest: Digest;
  /** For local: the store's descriptor, already named by the reference. For registry: to be pulled. */
  descriptor?: Descriptor;
  /** For registry: the platform it was resolved for, which the pull asks for too. */
  platform?: Platform;
}

/** The platform of the image a task runs (read from its config in the store). */
function runningPlatform(store: ImageStore, task: UpdateTask): Platform {
  const manifest = store.readJsonBlob(task.manifestDigest) as { config?: { digest?: string } };
  const imageId = parseDigest(manifest.config?.digest, 'config digest');
  const config = parseImageConfig(store.readBlob(imageId), imageId);
  return { os: config.os, architecture: config.architecture, ...(config.variant ? { variant: config.variant } : {}) };
}

/** The candidate, or null when the running image is current. */
export async function checkRegistry(task: UpdateTask, store: ImageStore, registry: RegistryClient): Promise<Candidate | null> {
  const ref = parseReference(task.reference);
  if (ref.digest !== undefined) return null;
  const head = await registry.headManifestDigest(ref);
  if (head === task.manifestDigest || head === task.indexDigest) return null;
  const platform = runningPlatform(store, task);
  const resolved = await registry.resolveImage(ref, platform);
  const digest = parseDigest(resolved.manifestDigest, 'manifest digest');
  return digest === task.manifestDigest ? null : { digest, platform };
}

export function checkLocal(task: UpdateTask, store: ImageStore): Candidate | null {
  const descriptor = store.resolve(task.name);
  if (descriptor === undefined) {
    throw new CtrmonError('ERR_IMAGE_NOT_FOUND', `image ${task.name} is not in the store at ${task.root}`, {
      name: task.name,
      path: task.root,
    });
  }
  const digest = parseDigest(descriptor.digest, 'manifest digest');
  if (digest === task.manifestDigest) return null;
  const manifest = store.readJsonBlob(digest) as { config?: { digest?: string } };
  const imageId = parseDigest(manifest.config?.digest, 'config digest');
  return imageId === task.imageId ? null : { digest, descriptor };
}
