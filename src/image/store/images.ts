// The store's images as podman's image commands show and change them: rows for `images`, the
// document for `image inspect`, and removal that never takes an image a running container uses
// (its monitor holds a lease named container-<name>).
import { CtrmonError } from '../../errors';
import { type Digest, chainIds, parseDigest } from '../digest';
import { parseImageConfig } from '../conversion/image-config';
import { formatReference, parseReference } from '../reference';
import type { ImageStore } from './store';
import { PREVIOUS_OF_ANNOTATION } from './index-file';

export interface ImageSummary {
  /** The image ID (the config digest). */
  Id: string;
  /** The first 12 hex digits of the ID, as podman prints it. */
  ID: string;
  Digest: string;
  Repository: string;
  Tag: string;
  Names: string[];
  Created: string;
  /** Bytes of the compressed layers and the config. */
  Size: number;
  /** Names of the containers whose monitor uses it. */
  Containers: string[];
}

interface ManifestJson {
  config: { digest: string; size: number };
  layers: { digest: string; size: number }[];
}

function splitName(name: string | null): { Repository: string; Tag: string } {
  if (!name) return { Repository: '<none>', Tag: '<none>' };
  const ref = parseReference(name);
  return { Repository: `${ref.registry}/${ref.repository}`, Tag: ref.tag ?? '<none>' };
}

/** Containers using each manifest digest, from the live leases monitors hold. */
function usersByDigest(store: ImageStore): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const lease of store.liveLeases()) {
    if (!lease.id.startsWith('container-')) continue;
    for (const d of lease.digests) users.set(d, [...(users.get(d) ?? []), lease.id.slice('container-'.length)]);
  }
  return users;
}

/** One row per name (and one per image without a name), newest first. */
export function listImages(store: ImageStore): ImageSummary[] {
  const users = usersByDigest(store);
  const rows = store.list().map(({ name, descriptor }) => {
    const manifestDigest = parseDigest(descriptor.digest, 'manifest digest');
    const manifest = store.readJsonBlob(manifestDigest) as ManifestJson;
    const id = parseDigest(manifest.config.digest, 'config digest');
    const config = JSON.parse(store.readBlob(id).toString('utf8')) as { created?: string };
    const names = store
      .list()
      .filter((i) => i.descriptor.digest === descriptor.digest && i.name)
      .map((i) => i.name as string);
    return {
      Id: id,
      ID: id.slice(7, 19),
      Digest: manifestDigest,
      ...splitName(name),
      Names: names,
      Created: config.created ?? '',
      Size: manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0),
      Containers: users.get(manifestDigest) ?? [],
    };
  });
  return rows.sort((a, b) => b.Created.localeCompare(a.Created));
}

/** The stored name a user's reference means, or the image an ID prefix or digest names. */
export function findImage(store: ImageStore, text: string): { name: string | null; digest: Digest } {
  const images = store.list();
  const hex = text.replace(/^sha256:/, '');
  if (/^[a-f0-9]{6,64}$/.test(hex)) {
    const byId = listImages(store).filter((r) => r.Id.slice(7).startsWith(hex) || r.Digest.slice(7).startsWith(hex));
    const digests = new Set(byId.map((r) => r.Digest));
    if (digests.size === 1) return { name: null, digest: byId[0].Digest as Digest };
    if (digests.size > 1) throw new CtrmonError('ERR_IMAGE_REFERENCE', `"${text}" names more than one image`, { name: text });
  }
  const name = formatReference(parseReference(text));
  const found = images.find((i) => i.name === name);
  if (!found) throw new CtrmonError('ERR_IMAGE_NOT_FOUND', `${text}: image not known`, { name: text });
  return { name, digest: parseDigest(found.descriptor.digest, 'manifest digest') };
}

/** podman image inspect's document (the fields ctrmon has). */
export function inspectImage(store: ImageStore, text: string): Record<string, unknown> {
  const { digest } = findImage(store, text);
  const manifest = store.readJsonBlob(digest) as ManifestJson;
  const id = parseDigest(manifest.config.digest, 'config digest');
  const config = parseImageConfig(store.readBlob(id), id);
  const created = (JSON.parse(store.readBlob(id).toString('utf8')) as { created?: string }).created ?? '';
  const names = store
    .list()
    .filter((i) => i.descriptor.digest === digest && i.name)
    .map((i) => i.name as string);
  return {
    Id: id.slice(7),
    Digest: digest,
    RepoTags: names,
    RepoDigests: names.map((n) => `${splitName(n).Repository}@${digest}`),
    Created: created,
    Architecture: config.architecture,
    Os: config.os,
    ...(config.variant ? { Variant: config.variant } : {}),
    Config: config.config,
    Labels: config.config.Labels ?? null,
    RootFS: { Type: 'layers', Layers: config.rootfs.diff_ids },
    ChainIDs: chainIds(config.rootfs.diff_ids.map((d) => parseDigest(d, 'diff_id'))),
    Size: manifest.config.size + manifest.layers.reduce((n, l) => n + l.size, 0),
    Containers: usersByDigest(store).get(digest) ?? [],
  };
}

/**
 * `rmi`: the name goes; the image goes with its last name, unless a running container uses it
 * (ERR_STORE_LOCKED naming it, and nothing is removed). Returns what was removed.
 */
export async function removeImage(store: ImageStore, text: string): Promise<{ untagged: string[]; deleted: Digest | null }> {
  const { name, digest } = findImage(store, text);
  const users = usersByDigest(store).get(digest) ?? [];
  const names = store
    .list()
    .filter((i) => i.descriptor.digest === digest)
    .map((i) => i.name);
  const lastName = name === null || names.filter((n) => n !== null).length <= 1;
  if (lastName && users.length) {
    throw new CtrmonError('ERR_STORE_LOCKED', `image ${text} is in use by container ${users.join(', ')}`, { name: text, digest });
  }
  if (name !== null && !lastName) {
    await store.untag(name);
    return { untagged: [name], deleted: null };
  }
  await store.removeImage(digest);
  await store.collectGarbage();
  return { untagged: names.filter((n): n is string => n !== null), deleted: digest };
}

/** `image prune`: images without a name (with all: also named ones) that no container uses; then unreachable content. */
export async function pruneImages(store: ImageStore, all: boolean): Promise<Digest[]> {
  const users = usersByDigest(store);
  // An image auto-update keeps for a rollback stays, whatever other names it has.
  const kept = new Set(
    store
      .list()
      .filter((i) => i.descriptor.annotations?.[PREVIOUS_OF_ANNOTATION] !== undefined)
      .map((i) => i.descriptor.digest),
  );
  const removed = new Set<Digest>();
  for (const { name, descriptor } of store.list()) {
    if ((name !== null && !all) || users.has(descriptor.digest) || kept.has(descriptor.digest)) continue;
    const digest = parseDigest(descriptor.digest, 'manifest digest');
    await store.removeImage(digest);
    removed.add(digest);
  }
  await store.collectGarbage();
  return [...removed];
}
