// The OCI distribution client (pull side) on Node's own fetch. Per endpoint it pings /v2/ for the
// auth challenge, authorises with Basic or Bearer tokens (auth-file.ts, registry-auth.ts), follows
// redirects itself so that Authorization never leaves the registry's origin, and verifies what it
// gets: manifests by sha256 and shape (registry-manifest.ts), blobs by size and sha256 while they
// stream (registry-blob.ts). registries.conf mirrors are tried before the primary location;
// `tlsVerify: false` and `insecure = true` registries are spoken to over plain http.
import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';

import { CtrmonError } from '../../errors';
import type { HttpInit, HttpResponse } from './transport';
import { lookupCredentials } from './auth-file';
import { hostPlatform, type Platform, selectPlatformManifest } from '../platform';
import { formatReference, type ImageReference, isSha256Digest, manifestSelector, referenceName } from '../reference';
import { EMPTY_REGISTRIES_CONF, findRegistryEntry, type RegistriesConf, rewriteName } from './registries-conf';
import { RegistryAuth } from './auth';
import { type BlobDescriptor, type BlobResume, VerifiedBlobStream } from './blob';
import { DEFAULT_RETRY, errorBodyText, fetchWithRetry, type RetryPolicy, readCappedBody } from './requests';
import { MANIFEST_ACCEPT, MAX_MANIFEST_BYTES, type ImageManifest, type ParsedManifest, parseManifest } from '../manifest';

export interface RegistryClientOptions {
  /** `--authfile`; otherwise the containers-auth.json search (auth-file.ts). */
  authFile?: string;
  /** false: plain http to every registry (`--tls-verify=false`). Default true. */
  tlsVerify?: boolean;
  /** Mirrors, rewrites, insecure and blocked registries; default: none (load it with loadRegistriesConf()). */
  registriesConf?: RegistriesConf;
  /** The platform resolveImage picks from an index; default: this machine's. */
  platform?: Platform;
  env?: NodeJS.ProcessEnv;
  retry?: RetryPolicy;
}

export interface FetchedManifest {
  digest: string;
  mediaType: string;
  body: Buffer;
  parsed: ParsedManifest;
}

export interface ResolvedImage {
  /** The digest of the image manifest that is pulled (the platform's instance of an index). */
  manifestDigest: string;
  manifest: ImageManifest;
  manifestMediaType: string;
  manifestBody: Buffer;
  /** Set when the reference named an index or manifest list. */
  indexDigest?: string;
}

export interface OpenBlobOptions {
  resume?: BlobResume;
}

/** One place a repository is pulled from: a mirror or the primary location. */
interface Endpoint {
  origin: string;
  /** Host as auth.json keys it. */
  host: string;
  repository: string;
  /** When a mirror serves only references by digest or only by tag. */
  only?: 'digest' | 'tag';
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
const MAX_REDIRECTS = 10;

// The API host of a registry name: Docker Hub is the one registry whose API lives elsewhere.
function apiHost(host: string): string {
  return host === 'docker.io' ? 'registry-1.docker.io' : host;
}

export class RegistryClient {
  private readonly auths = new Map<string, Promise<RegistryAuth>>();
  private readonly retry: RetryPolicy;
  private readonly conf: RegistriesConf;
  readonly platform: Platform;

  constructor(private readonly options: RegistryClientOptions = {}) {
    this.retry = options.retry ?? DEFAULT_RETRY;
    this.conf = options.registriesConf ?? EMPTY_REGISTRIES_CONF;
    this.platform = options.platform ?? hostPlatform();
  }

  /** Token requests made so far for `registry` (host[:port]): tests check tokens are reused. */
  async tokenRequests(registry: string): Promise<number> {
    let n = 0;
    for (const [key, auth] of this.auths) if (key.endsWith(`//${registry}`)) n += (await auth).tokenRequests;
    return n;
  }

  private endpoints(ref: ImageReference): Endpoint[] {
    const name = referenceName(ref);
    const entry = findRegistryEntry(this.conf, name);
    if (entry?.blocked)
      throw new CtrmonError('ERR_REGISTRY', `${name} is blocked by registries.conf (${this.conf.files.join(', ')})`, { name });
    const make = (location: string, insecure: boolean, only?: 'digest' | 'tag'): Endpoint => {
      const rewritten = entry ? rewriteName(entry, location, name) : name;
      const slash = rewritten.indexOf('/');
      const host = rewritten.slice(0, slash);
      const plain = insecure || this.options.tlsVerify === false;
      return {
        origin: `${plain ? 'http' : 'https'}://${apiHost(host)}`,
        host,
        repository: rewritten.slice(slash + 1),
        ...(only ? { only } : {}),
      };
    };
    const list: Endpoint[] = [];
    for (const mirror of entry?.mirrors ?? []) {
      const only =
        entry!.mirrorByDigestOnly || mirror.pullFromMirror === 'digest-only'
          ? 'digest'
          : mirror.pullFromMirror === 'tag-only'
            ? 'tag'
            : undefined;
      list.push(make(mirror.location, mirror.insecure, only));
    }
    list.push(make(entry?.location ?? '', entry?.insecure ?? false));
    return list;
  }

  // Tries each endpoint (mirrors first) in turn; the primary's failure is the one reported.
  private async withEndpoints<T>(ref: ImageReference, byDigest: boolean, action: (endpoint: Endpoint) => Promise<T>): Promise<T> {
    const usable = this.endpoints(ref).filter((e) => e.only === undefined || (e.only === 'digest') === byDigest);
    for (const [i, endpoint] of usable.entries()) {
      try {
        return await action(endpoint);
      } catch (err) {
        if (i === usable.length - 1) throw err;
      }
    }
    throw new CtrmonError('ERR_INTERNAL', `no endpoint for ${formatReference(ref)}`);
  }

  private auth(endpoint: Endpoint): Promise<RegistryAuth> {
    let auth = this.auths.get(endpoint.origin);
    if (auth === undefined) {
      auth = this.ping(endpoint);
      this.auths.set(endpoint.origin, auth);
      auth.catch(() => this.auths.delete(endpoint.origin));
    }
    return auth;
  }

  // GET /v2/: 200 needs no auth, 401 carries the challenge; anything else means no registry there.
  private async ping(endpoint: Endpoint): Promise<RegistryAuth> {
    const credentials = lookupCredentials(endpoint.host, endpoint.repository, { authFile: this.options.authFile, env: this.options.env });
    const auth = new RegistryAuth(endpoint.host, credentials, (url, init) =>
      fetchWithRetry(url, init, this.retry, `token service of ${endpoint.host}`),
    );
    const res = await fetchWithRetry(`${endpoint.origin}/v2/`, {}, this.retry, `registry ${endpoint.host}`);
    await res.body?.cancel();
    if (res.status === 401) auth.setChallenge(res.headers.get('www-authenticate'));
    else if (!res.ok)
      throw new CtrmonError(
        'ERR_REGISTRY',
        `registry ${endpoint.host} (${endpoint.origin}/v2/) answered HTTP ${res.status}: not an OCI registry?`,
        { name: endpoint.host },
      );
    return auth;
  }

  /**
   * A request to `path` of the endpoint, authorised for pulling its repository, following
   * redirects: Authorization goes only to the registry's own origin. A 401 renews the token once.
   */
  private async request(endpoint: Endpoint, path: string, init: HttpInit & { headers?: Record<string, string> }): Promise<HttpResponse> {
    const auth = await this.auth(endpoint);
    const scope = `repository:${endpoint.repository}:pull`;
    for (let renewed = false; ; renewed = true) {
      const authorization = await auth.authorization(scope);
      const res = await this.followRedirects(`${endpoint.origin}${path}`, endpoint, init, authorization);
      if (res.status !== 401 || renewed) return res;
      await res.body?.cancel();
      auth.setChallenge(res.headers.get('www-authenticate'));
      auth.invalidate(scope);
      if (auth.scheme === undefined) return res;
    }
  }

  private async followRedirects(
    start: string,
    endpoint: Endpoint,
    init: HttpInit & { headers?: Record<string, string> },
    authorization?: string,
  ): Promise<HttpResponse> {
    let url = start;
    for (let hops = 0; ; hops++) {
      const headers: Record<string, string> = { ...init.headers };
      if (authorization !== undefined && new URL(url).origin === endpoint.origin) headers.authorization = authorization;
      const res = await fetchWithRetry(url, { ...init, headers }, this.retry, `registry ${endpoint.host}`);
      const location = res.headers.get('location');
      if (!REDIRECT_STATUSES.has(res.status) || location === null) return res;
      await res.body?.cancel();
      if (hops >= MAX_REDIRECTS)
        throw new CtrmonError('ERR_REGISTRY', `registry ${endpoint.host}: more than ${MAX_REDIRECTS} redirects from ${start}`, {
          name: endpoint.host,
        });
      url = new URL(location, url).toString();
    }
  }

  private async failure(res: HttpResponse, endpoint: Endpoint, what: string, ref: ImageReference): Promise<CtrmonError> {
    const detail = await errorBodyText(res);
    const text = `${what} ${formatReference(ref)} from ${endpoint.origin}: HTTP ${res.status}${detail ? ` (${detail})` : ''}`;
    const subject = { name: formatReference(ref) };
    if (res.status === 401 || res.status === 403) return new CtrmonError('ERR_REGISTRY_AUTH', `not authorised to pull ${text}`, subject);
    if (res.status === 404) return new CtrmonError('ERR_IMAGE_NOT_FOUND', `not found: ${text}`, subject);
    return new CtrmonError('ERR_REGISTRY', `cannot get ${text}`, subject);
  }

  /**
   * The digest the reference's tag (or digest) names now, by HEAD: cheap, and not counted as a
   * pull by Docker Hub. Falls back to a GET when the registry gives no usable Docker-Content-Digest.
   */
  async headManifestDigest(ref: ImageReference): Promise<string> {
    return this.withEndpoints(ref, ref.digest !== undefined, async (endpoint) => {
      const res = await this.request(endpoint, `/v2/${endpoint.repository}/manifests/${manifestSelector(ref)}`, {
        method: 'HEAD',
        headers: { accept: MANIFEST_ACCEPT },
      });
      if (res.status === 405) return (await this.fetchManifest(endpoint, ref, manifestSelector(ref))).digest;
      if (!res.ok) throw await this.failure(res, endpoint, 'manifest', ref);
      const digest = res.headers.get('docker-content-digest');
      if (ref.digest !== undefined) return ref.digest;
      if (digest !== null && isSha256Digest(digest)) return digest;
      return (await this.fetchManifest(endpoint, ref, manifestSelector(ref))).digest;
    });
  }

  /** The manifest or index `selector` names (default: the reference's digest or tag), verified and validated. */
  async getManifest(ref: ImageReference, selector: string = manifestSelector(ref)): Promise<FetchedManifest> {
    return this.withEndpoints(ref, isSha256Digest(selector), (endpoint) => this.fetchManifest(endpoint, ref, selector));
  }

  private async fetchManifest(endpoint: Endpoint, ref: ImageReference, selector: string): Promise<FetchedManifest> {
    const res = await this.request(endpoint, `/v2/${endpoint.repository}/manifests/${selector}`, { headers: { accept: MANIFEST_ACCEPT } });
    const subject = `${referenceName(ref)}@${selector}`;
    if (!res.ok) throw await this.failure(res, endpoint, 'manifest', ref);
    const body = await readCappedBody(res, MAX_MANIFEST_BYTES, `manifest ${subject}`, 'ERR_MANIFEST');
    const digest = `sha256:${createHash('sha256').update(body).digest('hex')}`;
    if (isSha256Digest(selector) && digest !== selector) {
      throw new CtrmonError(
        'ERR_DIGEST_MISMATCH',
        `manifest ${referenceName(ref)}@${selector} from ${endpoint.origin} has digest ${digest}`,
        { digest: selector },
      );
    }
    const parsed = parseManifest(body, res.headers.get('content-type'), subject);
    return { digest, mediaType: parsed.mediaType, body, parsed };
  }

  /** The image manifest to pull for `platform`: the reference's manifest, or its platform's instance when it is an index. */
  async resolveImage(ref: ImageReference, platform: Platform = this.platform): Promise<ResolvedImage> {
    const top = await this.getManifest(ref);
    if (top.parsed.kind === 'manifest') {
      return { manifestDigest: top.digest, manifest: top.parsed, manifestMediaType: top.mediaType, manifestBody: top.body };
    }
    const entry = selectPlatformManifest(top.parsed.manifests, platform, `${formatReference(ref)} (index ${top.digest})`);
    const instance = await this.getManifest(ref, entry.digest);
    if (instance.parsed.kind !== 'manifest') {
      throw new CtrmonError('ERR_MANIFEST', `manifest ${referenceName(ref)}@${entry.digest}: an index inside an index is not supported`, {
        digest: entry.digest,
      });
    }
    return {
      manifestDigest: instance.digest,
      manifest: instance.parsed,
      manifestMediaType: instance.mediaType,
      manifestBody: instance.body,
      indexDigest: top.digest,
    };
  }

  /**
   * The blob as a Readable that ends only when its size and sha256 match the descriptor (else it
   * fails with ERR_DIGEST_MISMATCH naming the digest). Interrupted downloads resume with Range;
   * `resume` continues a download the caller already has the first bytes of.
   */
  openBlob(ref: ImageReference, descriptor: BlobDescriptor, options: OpenBlobOptions = {}): VerifiedBlobStream {
    if (!isSha256Digest(descriptor.digest)) {
      throw new CtrmonError('ERR_MANIFEST', `blob digest "${descriptor.digest}" of ${formatReference(ref)} is not sha256`, {
        digest: descriptor.digest,
      });
    }
    const endpoints = this.endpoints(ref);
    let chosen: Endpoint | undefined;
    // The first endpoint that serves the blob keeps serving it, so a resume asks the same place.
    const open = async (offset: number): Promise<HttpResponse> => {
      const candidates = chosen ? [chosen] : endpoints;
      let last: CtrmonError | undefined;
      for (const endpoint of candidates) {
        const headers: Record<string, string> = offset > 0 ? { range: `bytes=${offset}-` } : {};
        const res = await this.request(endpoint, `/v2/${endpoint.repository}/blobs/${descriptor.digest}`, { headers });
        if (res.ok) {
          chosen = endpoint;
          return res;
        }
        last = await this.failure(res, endpoint, `blob ${descriptor.digest} of`, ref);
      }
      throw last!;
    };
    return new VerifiedBlobStream(open, descriptor, this.retry, options.resume);
  }

  /** A small blob (an image config) read whole, verified, at most 4 MiB. */
  async readBlob(ref: ImageReference, descriptor: BlobDescriptor): Promise<Buffer> {
    if (descriptor.size > MAX_MANIFEST_BYTES) {
      throw new CtrmonError(
        'ERR_MANIFEST',
        `blob ${descriptor.digest} of ${formatReference(ref)} is ${descriptor.size} bytes, over ${MAX_MANIFEST_BYTES}`,
        {
          digest: descriptor.digest,
        },
      );
    }
    const chunks: Buffer[] = [];
    for await (const chunk of this.openBlob(ref, descriptor) as Readable) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks);
  }
}
