// Manifests and indexes as ctrmon accepts them: OCI and Docker schema 2 only, sha256 digests only,
// known layer and config media types only. Anything else is refused with ERR_MANIFEST naming the
// manifest and the offending field, before a byte of a layer is fetched.
import { CtrmonError } from '../errors';
import { CONFIG_MEDIA_TYPES, INDEX_MEDIA_TYPES, LAYER_MEDIA_TYPES, MANIFEST_MEDIA_TYPES, MEDIA_TYPE } from './media-types';
import { isSha256Digest } from './reference';

/** Accept header of manifest requests: index types first, so a multi-platform tag is never answered with one platform's manifest. */
export const MANIFEST_ACCEPT = [MEDIA_TYPE.ociIndex, MEDIA_TYPE.dockerManifestList, MEDIA_TYPE.ociManifest, MEDIA_TYPE.dockerManifest].join(
  ', ',
);

/** containers/image's cap (CVE-2020-1702): a larger manifest or config is refused unread. */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const INDEX_TYPES = new Set<string>(INDEX_MEDIA_TYPES);
const MANIFEST_TYPES = new Set<string>(MANIFEST_MEDIA_TYPES);
const CONFIG_TYPES = new Set<string>(CONFIG_MEDIA_TYPES);

export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  urls?: string[];
}

export interface IndexEntry extends Descriptor {
  platform?: { os?: string; architecture?: string; variant?: string; 'os.version'?: string; 'os.features'?: string[] };
}

export interface ImageIndex {
  kind: 'index';
  schemaVersion: 2;
  mediaType: string;
  manifests: IndexEntry[];
  annotations?: Record<string, string>;
}

export interface ImageManifest {
  kind: 'manifest';
  schemaVersion: 2;
  mediaType: string;
  config: Descriptor;
  layers: Descriptor[];
  annotations?: Record<string, string>;
}

export type ParsedManifest = ImageIndex | ImageManifest;

export function isIndexMediaType(mediaType: string): boolean {
  return INDEX_TYPES.has(mediaType);
}

export function isKnownManifestMediaType(mediaType: string): boolean {
  return INDEX_TYPES.has(mediaType) || MANIFEST_TYPES.has(mediaType);
}

function refuse(subject: string, why: string): CtrmonError {
  return new CtrmonError('ERR_MANIFEST', `manifest ${subject} refused: ${why}`, { name: subject });
}

function descriptor(value: unknown, where: string, subject: string): Descriptor {
  const d = value as Partial<Descriptor> | null;
  if (typeof d !== 'object' || d === null) throw refuse(subject, `${where} is not a descriptor`);
  if (typeof d.mediaType !== 'string') throw refuse(subject, `${where} has no mediaType`);
  if (typeof d.digest !== 'string' || !isSha256Digest(d.digest)) {
    throw refuse(subject, `${where} has digest "${String(d.digest)}": only sha256:<64 hex> digests are accepted`);
  }
  if (typeof d.size !== 'number' || !Number.isSafeInteger(d.size) || d.size < 0) throw refuse(subject, `${where} has no valid size`);
  return d as Descriptor;
}

/**
 * Validates a manifest body fetched with `contentType`. The body's own mediaType, when present, must
 * equal the Content-Type; schema 1 and unknown types are refused.
 */
export function parseManifest(body: Buffer, contentType: string | null, subject: string): ParsedManifest {
  let json: Record<string, unknown>;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    throw refuse(subject, 'the body is not JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw refuse(subject, 'the body is not a JSON object');
  const header = contentType?.split(';')[0].trim().toLowerCase() || undefined;
  const own = typeof json.mediaType === 'string' ? json.mediaType : undefined;
  if (own !== undefined && header !== undefined && own !== header && isKnownManifestMediaType(header)) {
    throw refuse(subject, `its mediaType ${own} differs from the Content-Type ${header}`);
  }
  const mediaType = own ?? (header !== undefined && isKnownManifestMediaType(header) ? header : undefined) ?? inferMediaType(json);
  if (json.schemaVersion === 1 || /^application\/vnd\.docker\.distribution\.manifest\.v1\+(prettyjws|json)$/.test(mediaType ?? '')) {
    throw refuse(subject, 'Docker schema 1 manifests are not supported (push the image again with a current tool)');
  }
  if (mediaType === undefined || !isKnownManifestMediaType(mediaType)) {
    throw refuse(subject, `unknown media type ${mediaType ?? header ?? '(none)'}; accepted: ${MANIFEST_ACCEPT}`);
  }
  if (json.schemaVersion !== 2) throw refuse(subject, `schemaVersion ${String(json.schemaVersion)} is not 2`);
  const annotations = json.annotations as Record<string, string> | undefined;
  if (isIndexMediaType(mediaType)) {
    if (!Array.isArray(json.manifests)) throw refuse(subject, 'an index without a manifests list');
    const manifests = json.manifests.map((m, i) => ({ ...(m as object), ...descriptor(m, `manifests[${i}]`, subject) }) as IndexEntry);
    return { kind: 'index', schemaVersion: 2, mediaType, manifests, ...(annotations ? { annotations } : {}) };
  }
  const config = descriptor(json.config, 'config', subject);
  if (!CONFIG_TYPES.has(config.mediaType))
    throw refuse(subject, `config media type ${config.mediaType} is not an image config (an artifact?)`);
  if (!Array.isArray(json.layers)) throw refuse(subject, 'a manifest without a layers list');
  const layers = json.layers.map((l, i) => {
    const d = descriptor(l, `layers[${i}]`, subject);
    if (!(d.mediaType in LAYER_MEDIA_TYPES)) throw refuse(subject, `layers[${i}] has unknown media type ${d.mediaType}`);
    return d;
  });
  return { kind: 'manifest', schemaVersion: 2, mediaType, config, layers, ...(annotations ? { annotations } : {}) };
}

// OCI allows a manifest without mediaType; its shape tells which it is.
function inferMediaType(json: Record<string, unknown>): string | undefined {
  if (Array.isArray(json.manifests)) return MEDIA_TYPE.ociIndex;
  if (Array.isArray(json.layers) && typeof json.config === 'object') return MEDIA_TYPE.ociManifest;
  return undefined;
}
