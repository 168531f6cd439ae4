// --secret: a mount secret is its file (the monitor's copy, owned and moded as asked) bound
// read-only at its target, over every mount before it (a tmpfs on /run included); an env secret
// is a variable, replacing one of the same name in its place.
import { mergeEnv } from '../env';
import { type RuntimeSpec, mountsOf } from '../oci';

export type ProvidedSecret = { type: 'mount'; source: string; target: string } | { type: 'env'; target: string; value: string };

export interface SecretsInputs {
  secrets?: ProvidedSecret[];
}

export function applySecrets(spec: RuntimeSpec, { secrets = [] }: SecretsInputs): void {
  for (const s of secrets) {
    if (s.type === 'mount') {
      mountsOf(spec.config).push({
        destination: s.target,
        type: 'bind',
        source: s.source,
        options: ['bind', 'rprivate', 'ro', 'nosuid', 'noexec', 'nodev'],
      });
    } else {
      spec.config.process.env = mergeEnv(spec.config.process.env ?? [], [`${s.target}=${s.value}`]);
    }
  }
}
