// Hooks, greenboot style: executables in <hooks-dir>/updated.d after a unit was updated, and in
// <hooks-dir>/rolled-back.d after it was rolled back (also when the rollback itself failed), run in
// name order, each given the unit's report as JSON on stdin and CTRMON_UNIT and CTRMON_STATUS in its
// environment. A hook that fails is reported; it changes nothing about the update.
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

import { errorMessage } from '../errors';
import { run } from '../process/spawn';
import type { UpdateReport } from './report';

export const HOOK_DIRS = { updated: 'updated.d', rolledBack: 'rolled-back.d' } as const;
const HOOK_TIMEOUT_MS = 60_000;

function executables(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).sort();
  } catch {
    return []; // no such directory: no hooks
  }
  return names
    .map((n) => path.join(dir, n))
    .filter((file) => {
      try {
        const st = statSync(file);
        return st.isFile() && (st.mode & 0o111) !== 0;
      } catch {
        return false;
      }
    });
}

/** Runs the hooks for report's outcome; returns one line per hook that failed. */
export async function runHooks(hooksDir: string, report: UpdateReport): Promise<string[]> {
  const rolledBack = report.Updated === 'rolled back' || (report.Updated === 'failed' && report.Cause === 'rollback');
  const kind = report.Updated === 'true' ? HOOK_DIRS.updated : rolledBack ? HOOK_DIRS.rolledBack : null;
  if (kind === null) return [];
  const failures: string[] = [];
  for (const file of executables(path.join(hooksDir, kind))) {
    try {
      const r = await run(file, [], {
        input: `${JSON.stringify(report)}\n`,
        timeoutMs: HOOK_TIMEOUT_MS,
        env: { ...process.env, CTRMON_UNIT: report.Unit, CTRMON_STATUS: report.Updated },
      });
      if (r.code !== 0)
        failures.push(`hook ${file} ${r.code === null ? `was killed by ${r.signal}` : `exited with ${r.code}`}: ${r.stderr.trim()}`);
    } catch (err) {
      failures.push(`hook ${file} could not run: ${errorMessage(err)}`);
    }
  }
  return failures;
}
