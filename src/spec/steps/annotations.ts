// --annotation: entries of config.annotations, over the source's own (an image's labels).
import type { RuntimeSpec } from '../oci';

export interface AnnotationsInputs {
  annotations: Record<string, string>;
}

export function applyAnnotations(spec: RuntimeSpec, { annotations }: AnnotationsInputs): void {
  if (Object.keys(annotations).length === 0) return;
  const own = (spec.config.annotations ?? {}) as Record<string, string>;
  spec.config.annotations = { ...own, ...annotations };
}
