// The frame of the auto-update end-to-end suites: skipped with its reason where a private systemd
// or a registry cannot run, else one UpdateLab for the suite, and the helpers every test uses.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';

import { registrySkipReason } from '../lab/registry/test-registry';
import { privateSystemdUnavailable } from '../lab/systemd/private-systemd';
import { type LabOptions, UpdateLab } from '../lab/update-lab';
import type { UpdateReport } from '../../src/update/report';

export interface UpdateSuite {
  /** Set once the suite's before() has run. */
  lab: UpdateLab;
  work: string;
  /** The row of unit in a run's reports (fails the test when there is none). */
  row(run: { reports: UpdateReport[] }, unit: string): UpdateReport;
  /** Starts a unit; fails the test with its journal when the start is not done. */
  start(unit: string): Promise<void>;
}

/** lab: how the lab starts; skip: another reason the suite cannot run here, or false. */
export function updateSuite(
  name: string,
  body: (suite: UpdateSuite) => void,
  options: { lab?: LabOptions; skip?: string | false } = {},
): void {
  const noSystemd = privateSystemdUnavailable();
  const noRegistry = registrySkipReason();
  const skipReason = noSystemd
    ? `cannot boot a private systemd here: ${noSystemd}`
    : noRegistry
      ? `no registry here: ${noRegistry}`
      : (options.skip ?? false);
  if (skipReason) {
    test(name, { skip: skipReason }, () => undefined);
    return;
  }
  describe(name, () => {
    const suite: UpdateSuite = {
      lab: undefined as unknown as UpdateLab,
      work: mkdtempSync('/tmp/ctrmon-e2e-au-'),
      row(run, unit) {
        const found = run.reports.find((r) => r.Unit === unit);
        assert.ok(found, `no report for ${unit} in ${JSON.stringify(run.reports)}`);
        return found;
      },
      async start(unit) {
        const job = await suite.lab.nsd.client.start(unit);
        assert.equal(job.result, 'done', suite.lab.nsd.journal(unit));
      },
    };
    before(async () => {
      suite.lab = await UpdateLab.start(suite.work, options.lab);
    });
    after(async () => {
      await suite.lab?.stop();
      rmSync(suite.work, { recursive: true, force: true });
    });
    body(suite);
  });
}
