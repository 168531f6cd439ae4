// A report row for the auto-update unit tests: the engine's own skeleton (update/report.ts) for a
// made-up container, with the fields a test cares about.
import { newReport, type UpdateReport, type UpdateStatus } from '../../src/update/report';

export const OLD_DIGEST = `sha256:${'1'.repeat(64)}` as const;
export const NEW_DIGEST = `sha256:${'2'.repeat(64)}` as const;

export function report(updated: UpdateStatus, extra: Partial<UpdateReport> = {}, image = 'example.com/web:latest'): UpdateReport {
  const base = newReport({ unit: 'web.service', container: 'web', reference: image, policy: 'registry', manifestDigest: OLD_DIGEST });
  return { ...base, Updated: updated, NewDigest: NEW_DIGEST, ...extra };
}
