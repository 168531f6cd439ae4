// Image references parsed and normalised as podman (containers/image, distribution/reference) does:
// `alpine` is docker.io/library/alpine:latest, `127.0.0.1:5000/web` keeps its registry and port,
// repository paths are lower-case, and a digest pins the manifest (a tag beside it is kept for display).
import { CtrmonError } from '../errors';

export const DEFAULT_REGISTRY = 'docker.io';
export const DEFAULT_TAG = 'latest';

/** A parsed reference. `tag` is set whenever `digest` is not (then it defaults to latest). */
export interface ImageReference {
  /** Registry host with an optional port, e.g. `docker.io`, `127.0.0.1:5000`, `[::1]:5000`. */
  registry: string;
  /** Path inside the registry, e.g. `library/alpine`. */
  repository: string;
  tag?: string;
  /** `sha256:<64 hex>`. */
  digest?: string;
}

const NAME_COMPONENT = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const SHA256_DIGEST = /^sha256:[a-f0-9]{64}$/;
const DIGEST_SHAPE = /^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const MAX_NAME_LENGTH = 255;

/** True for `sha256:` followed by 64 lower-case hex digits, the only digest ctrmon accepts. */
export function isSha256Digest(text: string): boolean {
  return SHA256_DIGEST.test(text);
}

function invalid(text: string, why: string): CtrmonError {
  return new CtrmonError('ERR_IMAGE_REFERENCE', `invalid image reference "${text}": ${why}`, { name: text });
}

function validRegistry(host: string): boolean {
  const m = /^(\[[0-9A-Fa-f:.]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(host);
  if (!m) return false;
  if (m[2] !== undefined && (Number(m[2]) === 0 || Number(m[2]) > 65535)) return false;
  return m[1].startsWith('[') || m[1].split('.').every((label) => HOST_LABEL.test(label));
}

// As distribution/reference: the first component is a registry when it has a dot or a port, is
// `localhost`, or has upper-case letters (which a repository path never has).
function looksLikeRegistry(component: string): boolean {
  return component.includes('.') || component.includes(':') || component === 'localhost' || component !== component.toLowerCase();
}

/** Parses and normalises `text`; throws ERR_IMAGE_REFERENCE naming the text and the rule broken. */
export function parseReference(text: string): ImageReference {
  if (text === '') throw invalid(text, 'it is empty');
  if (/\s/.test(text)) throw invalid(text, 'it contains white space');
  let rest = text;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at !== -1) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST_SHAPE.test(digest)) throw invalid(text, `"${digest}" is not a digest`);
    if (!isSha256Digest(digest)) throw invalid(text, `only sha256 digests (sha256:<64 lower-case hex>) are supported, not "${digest}"`);
  }
  let tag: string | undefined;
  const colon = rest.lastIndexOf(':');
  if (colon > rest.lastIndexOf('/')) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw invalid(text, `"${tag}" is not a valid tag (letters, digits, _ . -, at most 128, not starting with . or -)`);
  }
  const slash = rest.indexOf('/');
  let registry = DEFAULT_REGISTRY;
  let repository = rest;
  if (slash !== -1 && looksLikeRegistry(rest.slice(0, slash))) {
    registry = rest.slice(0, slash);
    repository = rest.slice(slash + 1);
    if (!validRegistry(registry)) throw invalid(text, `"${registry}" is not a valid registry host[:port]`);
  }
  if (registry === 'index.docker.io') registry = DEFAULT_REGISTRY;
  if (repository === '') throw invalid(text, 'the repository name is empty');
  if (repository !== repository.toLowerCase()) throw invalid(text, 'repository name must be lowercase');
  for (const component of repository.split('/')) {
    if (!NAME_COMPONENT.test(component)) {
      throw invalid(text, `"${component}" is not a valid path component (lower-case letters and digits, separated by . _ __ or -)`);
    }
  }
  if (registry === DEFAULT_REGISTRY && !repository.includes('/')) repository = `library/${repository}`;
  if (registry.length + 1 + repository.length > MAX_NAME_LENGTH)
    throw invalid(text, `the name is longer than ${MAX_NAME_LENGTH} characters`);
  if (digest === undefined && tag === undefined) tag = DEFAULT_TAG;
  return { registry, repository, ...(tag === undefined ? {} : { tag }), ...(digest === undefined ? {} : { digest }) };
}

/** `registry/repository`, the name without tag or digest. */
export function referenceName(ref: ImageReference): string {
  return `${ref.registry}/${ref.repository}`;
}

/** The canonical text: `docker.io/library/alpine:latest`, `host:5000/web@sha256:…`, `host/web:1@sha256:…`. */
export function formatReference(ref: ImageReference): string {
  return `${referenceName(ref)}${ref.tag === undefined ? '' : `:${ref.tag}`}${ref.digest === undefined ? '' : `@${ref.digest}`}`;
}

/** What the registry's manifest endpoint is asked for: the digest when there is one, else the tag. */
export function manifestSelector(ref: ImageReference): string {
  return ref.digest ?? ref.tag ?? DEFAULT_TAG;
}

/** The same repository pinned to `digest` (the tag is dropped: the digest is what identifies it). */
export function withDigest(ref: ImageReference, digest: string): ImageReference {
  return { registry: ref.registry, repository: ref.repository, digest };
}

/**
 * Fully qualified as podman auto-update requires: the text names its registry and needs no
 * normalisation (`docker.io/library/alpine:3`, `127.0.0.1:5000/web`), so it means the same on every
 * machine whatever its registries.conf. `alpine` and `docker.io/alpine` are not.
 */
export function isFullyQualified(text: string): boolean {
  let ref: ImageReference;
  try {
    ref = parseReference(text);
  } catch {
    return false;
  }
  const name = text.split('@')[0].replace(/:[^/:]*$/, '');
  return name === referenceName(ref) && looksLikeRegistry(text.slice(0, text.indexOf('/')));
}
