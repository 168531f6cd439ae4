// Previous images, kept for rollbacks: when a reference moves to a new image, the image it named
// stays in the store under its digest reference (`registry/repo@sha256:...`), marked with the
// reference it was replaced under and when (store-index.ts PREVIOUS_OF_ANNOTATION), which keeps it
// from `image prune --all`. The newest `keep` of them per reference are kept; older ones lose that
// name and go at the next prune, as podman's shipped prune removes every old image at once.
import { type Digest, parseDigest } from '../image/digest';
import { formatReference, parseReference, withDigest } from '../image/reference';
import type { ImageStore } from '../image/store/store';
import { type Descriptor, PREVIOUS_OF_ANNOTATION, REPLACED_ANNOTATION, plainDescriptor } from '../image/store/index-file';

export const DEFAULT_KEEP = 3;

export interface PreviousImage {
  /** Its name in the store: the reference by digest. */
  name: string;
  digest: Digest;
  descriptor: Descriptor;
  replaced: string;
}

export function digestName(reference: string, digest: string): string {
  return formatReference(withDigest(parseReference(reference), digest));
}

/** The previous images of reference (normalised), newest first. */
export function previousImages(store: ImageStore, reference: string): PreviousImage[] {
  return store
    .list()
    .filter((i) => i.name !== null && i.descriptor.annotations?.[PREVIOUS_OF_ANNOTATION] === reference)
    .map((i) => ({
      name: i.name!,
      digest: parseDigest(i.descriptor.digest, 'manifest digest'),
      descriptor: plainDescriptor(i.descriptor),
      replaced: i.descriptor.annotations?.[REPLACED_ANNOTATION] ?? '',
    }))
    .sort((a, b) => b.replaced.localeCompare(a.replaced));
}

export type NameChange = { name: string; descriptor: Descriptor | null };

/**
 * The store changes that keep descriptor as a previous image of reference, and at most `keep` of
 * them: the oldest lose their names, except the one the reference names now or `next` (the image it
 * goes to). For ImageStore.retag, with the engine's other changes of the same commit.
 */
export function previousChanges(store: ImageStore, reference: string, descriptor: Descriptor, keep: number, next?: string): NameChange[] {
  const name = digestName(reference, descriptor.digest);
  const kept: Descriptor = {
    ...plainDescriptor(descriptor),
    annotations: { [PREVIOUS_OF_ANNOTATION]: reference, [REPLACED_ANNOTATION]: new Date().toISOString() },
  };
  const current = store.resolve(reference)?.digest;
  const older = previousImages(store, reference).filter((p) => p.name !== name);
  return [
    { name, descriptor: kept },
    ...older
      .slice(Math.max(0, keep - 1))
      .filter((old) => old.digest !== current && old.digest !== next)
      .map((old) => ({ name: old.name, descriptor: null })),
  ];
}

/** The store's descriptor of a manifest that is there (named or not): for the image a container runs. */
export function descriptorOf(store: ImageStore, digest: Digest): Descriptor {
  const listed = store.list().find((i) => i.descriptor.digest === digest);
  if (listed) return plainDescriptor(listed.descriptor);
  const body = store.readBlob(digest);
  const mediaType = (JSON.parse(body.toString('utf8')) as { mediaType?: string }).mediaType ?? 'application/vnd.oci.image.manifest.v1+json';
  return { mediaType, digest, size: body.length };
}
