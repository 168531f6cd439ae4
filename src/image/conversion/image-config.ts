// The image configuration blob (application/vnd.oci.image.config.v1+json, or Docker's
// container.image.v1+json, which has the same fields): what a container started from the image
// runs by default. Read and checked here; spec/image-base.ts makes it the base of a runtime config.json.
import { CtrmonError } from '../../errors';

export interface ImageConfig {
  architecture: string;
  os: string;
  variant?: string;
  config: {
    User?: string;
    Env?: string[];
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
    ExposedPorts?: Record<string, unknown> | null;
    Volumes?: Record<string, unknown> | null;
  };
  rootfs: { type: 'layers'; diff_ids: string[] };
}

const isStrings = (v: unknown) => v === undefined || v === null || (Array.isArray(v) && v.every((x) => typeof x === 'string'));
const isString = (v: unknown) => v === undefined || typeof v === 'string';
const isRecord = (v: unknown) => v === undefined || v === null || (typeof v === 'object' && !Array.isArray(v));

/** Parses an image config blob; throws ERR_IMAGE_CONFIG naming the digest and the field. */
export function parseImageConfig(blob: Buffer, digest: string): ImageConfig {
  const bad = (what: string) => new CtrmonError('ERR_IMAGE_CONFIG', `image config ${digest}: ${what}`, { digest });
  let raw: unknown;
  try {
    raw = JSON.parse(blob.toString('utf8'));
  } catch (err) {
    throw bad(`not JSON (${(err as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null) throw bad('not a JSON object');
  const c = raw as Partial<ImageConfig>;
  if (typeof c.os !== 'string' || typeof c.architecture !== 'string') throw bad('"os" or "architecture" is missing');
  const rootfs = c.rootfs;
  if (rootfs?.type !== 'layers' || !Array.isArray(rootfs.diff_ids) || !rootfs.diff_ids.every((d) => typeof d === 'string')) {
    throw bad('"rootfs.diff_ids" is missing or invalid');
  }
  const config = c.config ?? {};
  for (const key of ['Env', 'Entrypoint', 'Cmd'] as const)
    if (!isStrings(config[key])) throw bad(`"config.${key}" must be a list of strings`);
  for (const key of ['User', 'WorkingDir', 'StopSignal'] as const)
    if (!isString(config[key])) throw bad(`"config.${key}" must be a string`);
  for (const key of ['Labels', 'ExposedPorts', 'Volumes'] as const)
    if (!isRecord(config[key])) throw bad(`"config.${key}" must be an object`);
  return { ...(c as ImageConfig), config };
}
