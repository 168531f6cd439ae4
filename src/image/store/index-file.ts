// index.json of the OCI image layout: an image index whose descriptors name images through the
// org.opencontainers.image.ref.name annotation, holding the full reference as skopeo and podman
// write it for `oci:` destinations (`127.0.0.1:5000/web:latest`), so `skopeo copy oci:<root>:<ref>`
// and `umoci unpack --image <root>:<ref>` find the same image ctrmon does. A name is on at most one
// descriptor. Tagging moves a name the way containers/image does: the descriptor that loses it stays
// in the index without a name (a dangling image, kept for rollback until pruned); an entry without
// a name for the same digest is reused instead of added twice.
import { CtrmonError } from '../../errors';
import { type Digest, parseDigest } from '../digest';
import { MEDIA_TYPE } from '../media-types';
import { readJsonFile, writeFileAtomic } from './files';

export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';
/**
 * On an image the update engine keeps for a rollback: the reference it was replaced under, and when.
 * `image prune --all` leaves such images alone; `rmi` of their name removes them.
 */
export const PREVIOUS_OF_ANNOTATION = 'io.ctrmon.auto-update.previous-of';
export const REPLACED_ANNOTATION = 'io.ctrmon.auto-update.replaced';

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

export interface Descriptor {
  mediaType: string;
  digest: Digest;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
  artifactType?: string;
}

export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: Descriptor[];
  annotations?: Record<string, string>;
}

/** An image of the store: its name (null for a dangling one) and its descriptor (a manifest or an index). */
export interface StoredImage {
  name: string | null;
  descriptor: Descriptor;
}

function malformed(what: string, why: string): CtrmonError {
  return new CtrmonError('ERR_MANIFEST', `${what}: ${why}`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Validates the fields ctrmon relies on (media type, sha256 digest, size); keeps the others as they are. */
export function parseDescriptor(value: unknown, what: string): Descriptor {
  if (!isRecord(value)) throw malformed(what, 'a descriptor must be an object');
  if (typeof value.mediaType !== 'string' || value.mediaType === '') throw malformed(what, 'descriptor without a mediaType');
  parseDigest(value.digest, `${what}: descriptor digest`);
  if (typeof value.size !== 'number' || !Number.isSafeInteger(value.size) || value.size < 0) {
    throw malformed(what, `descriptor ${String(value.digest)} has no valid size`);
  }
  if (value.annotations !== undefined) {
    const a = value.annotations;
    if (!isRecord(a) || Object.values(a).some((v) => typeof v !== 'string'))
      throw malformed(what, 'annotations must map strings to strings');
  }
  return value as unknown as Descriptor;
}

export function parseIndex(value: unknown, what: string): ImageIndex {
  if (!isRecord(value) || value.schemaVersion !== 2 || !Array.isArray(value.manifests)) {
    throw malformed(what, 'not an image index (schemaVersion 2 with a manifests array)');
  }
  value.manifests.forEach((d, i) => {
    parseDescriptor(d, `${what}: manifests[${i}]`);
  });
  return value as unknown as ImageIndex;
}

export function emptyIndex(): ImageIndex {
  return { schemaVersion: 2, mediaType: MEDIA_TYPE.ociIndex, manifests: [] };
}

/** The descriptor as a name is given to it: the content's identity, without another name's annotations. */
export function plainDescriptor(d: Descriptor): Descriptor {
  return { mediaType: d.mediaType, digest: d.digest, size: d.size };
}

export function nameOf(descriptor: Descriptor): string | null {
  return descriptor.annotations?.[REF_NAME_ANNOTATION] ?? null;
}

export function readIndexFile(file: string): ImageIndex {
  const value = readJsonFile(file);
  try {
    return parseIndex(value, file);
  } catch (err) {
    throw new CtrmonError('ERR_STORE', `image store: ${file} is corrupt: ${(err as Error).message}`, { path: file }, { cause: err });
  }
}

export function writeIndexFile(file: string, index: ImageIndex): void {
  writeFileAtomic(file, JSON.stringify(index));
}

function withoutNameAnnotation(d: Descriptor): Descriptor {
  const { [REF_NAME_ANNOTATION]: _name, ...rest } = d.annotations ?? {};
  const { annotations: _annotations, ...plain } = d;
  return Object.keys(rest).length > 0 ? { ...plain, annotations: rest } : plain;
}

/** index with name on descriptor (the previous holder of the name left dangling, as above). */
export function indexWithName(index: ImageIndex, name: string, descriptor: Descriptor): ImageIndex {
  const named: Descriptor = { ...descriptor, annotations: { ...descriptor.annotations, [REF_NAME_ANNOTATION]: name } };
  const manifests: Descriptor[] = [];
  for (const d of index.manifests) {
    const dName = nameOf(d);
    if (dName === name) {
      if (d.digest !== descriptor.digest && !index.manifests.some((o) => o !== d && o.digest === d.digest)) {
        manifests.push(withoutNameAnnotation(d));
      }
    } else if (!(dName === null && d.digest === descriptor.digest)) {
      manifests.push(d);
    }
  }
  manifests.push(named);
  return { ...index, manifests };
}

/** index with descriptor as a dangling entry, unless an entry of its digest is there already. */
export function indexWithEntry(index: ImageIndex, descriptor: Descriptor): ImageIndex {
  if (index.manifests.some((d) => d.digest === descriptor.digest)) return index;
  return { ...index, manifests: [...index.manifests, withoutNameAnnotation(descriptor)] };
}

/** index without the descriptor named name (the image's content stays until garbage collection). */
export function indexWithoutName(index: ImageIndex, name: string): ImageIndex {
  return { ...index, manifests: index.manifests.filter((d) => nameOf(d) !== name) };
}

/** index without any descriptor of digest (named or dangling). */
export function indexWithoutDigest(index: ImageIndex, digest: Digest): ImageIndex {
  return { ...index, manifests: index.manifests.filter((d) => d.digest !== digest) };
}
