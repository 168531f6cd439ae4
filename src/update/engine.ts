// `ctrmon auto-update`: podman's algorithm (check each managed container, pull, restart its unit,
// roll back when the restart fails) with the holes closed:
// - the digest that was checked is the one pulled (by digest, for the running image's platform)
//   and the one started (pinned, pin.ts);
// - success is verified by ctrmon (verify.ts): READY on the new digest and a soak window, within
//   ctrmon's own deadline;
// - the reference moves only after that; the image it named is kept (previous-images.ts);
// - a digest that failed is quarantined; units that required the unit come back after a rollback;
// - an intent record and a lock make a killed or concurrent run harmless (recovery.ts).
// It reads state files and talks to systemd; it never loads the monitor.
import { mapConcurrently } from '../concurrently';
import { CtrmonError, asCtrmonError, errorMessage } from '../errors';
import { type Digest, parseDigest } from '../image/digest';
import { pullImage } from '../image/pull';
import { RegistryClient } from '../image/registry/client';
import { loadRegistriesConf } from '../image/registry/registries-conf';
import { ImageStore } from '../image/store/store';
import { type Descriptor, PREVIOUS_OF_ANNOTATION, plainDescriptor } from '../image/store/index-file';
import { lockWithPid, lockHolder } from '../process/pid-lock';
import type { SystemdClient } from '../systemd/systemd-client';
import { type Candidate, checkLocal, checkRegistry } from './check';
import { activeDependents, restoreDependents } from './dependents';
import { runHooks } from './hooks';
import { type Intent, clearIntent, writeIntent } from './intent';
import { recordUpdateEvent } from './journal-event';
import { ImagePin } from './pin';
import { type NameChange, descriptorOf, digestName, previousChanges, previousImages } from './previous-images';
import { Quarantine } from './quarantine';
import { UpdateDir } from './records';
import { recoverInterrupted } from './recovery';
import { type Cause, type UpdateReport, exitCodeOf, newReport } from './report';
import { type UpdateTask, discoverTasks, unitTask } from './tasks';
import { restartAndVerify, type Verdict } from './verify';

export interface EngineOptions {
  stateDir: string;
  /** The engine's data directory (records.ts). */
  updateDir: string;
  hooksDir: string;
  client: SystemdClient;
  /** From a restart until READY; then the soak window (0: none). */
  timeoutMs: number;
  soakMs: number;
  /** Previous images kept per reference. */
  keep: number;
  /** Progress lines for stderr ("Trying to pull ..."). */
  progress?: (line: string) => void;
}

export interface AutoUpdateOptions extends EngineOptions {
  dryRun: boolean;
  rollback: boolean;
  authfile?: string;
  /** Only when given: otherwise registries.conf decides, as in podman. */
  tlsVerify?: boolean;
}

export interface RunResult {
  reports: UpdateReport[];
  errors: CtrmonError[];
  exitCode: number;
}

/** Runs fn holding the engine's lock: two runs never interleave. */
async function locked<T>(o: EngineOptions, fn: (dir: UpdateDir) => Promise<T>): Promise<T> {
  const dir = new UpdateDir(o.updateDir);
  dir.ensure();
  const lock = lockWithPid(dir.lock);
  if (lock === null) {
    const holder = lockHolder(dir.lock);
    throw new CtrmonError(
      'ERR_UPDATE_LOCKED',
      `another auto-update or rollback is running${holder ? ` (pid ${holder})` : ''}: ${dir.lock}`,
      {
        path: dir.lock,
      },
    );
  }
  try {
    return await fn(dir);
  } finally {
    lock.release();
  }
}

/** One unit's change of image, shared by updates and manual rollbacks. */
class Switcher {
  private readonly stores = new Map<string, Promise<ImageStore>>();
  readonly pin: ImagePin;

  constructor(
    readonly o: EngineOptions,
    readonly dir: UpdateDir,
    readonly quarantine: Quarantine,
  ) {
    this.pin = new ImagePin(o.stateDir);
  }

  store(root: string): Promise<ImageStore> {
    let store = this.stores.get(root);
    if (!store) {
      store = ImageStore.open(root);
      this.stores.set(root, store);
    }
    return store;
  }

  verify(task: UpdateTask, digest: string): Promise<Verdict> {
    return restartAndVerify(task.unit, task.container, digest, this.o);
  }

  /**
   * Moves task's unit from the running image to `to`: intent, pin, restart, verify; then either
   * commit (the reference names `to`, the old image is kept) or put the unit back on the old one.
   * Fills report's status, cause and timings.
   */
  async apply(
    task: UpdateTask,
    to: Descriptor,
    kind: Intent['kind'],
    report: UpdateReport,
    rollback: boolean,
    dependentsAsked = activeDependents(this.o.client, task.unit),
  ): Promise<void> {
    const store = await this.store(task.root);
    const from = descriptorOf(store, task.manifestDigest);
    const dependents = await dependentsAsked;
    writeIntent(this.dir.intent, {
      kind,
      unit: task.unit,
      container: task.container,
      root: task.root,
      name: task.name,
      from,
      to: plainDescriptor(to),
      dependents,
      pid: process.pid,
      time: new Date().toISOString(),
    });
    this.pin.pin(task.container, to.digest);
    const verdict = await this.verify(task, to.digest);
    report.Timings.readyMs = verdict.readyMs;
    report.Timings.soakMs = verdict.soakMs;
    if (verdict.ok) {
      // One write of index.json: the old image kept, the reference moved, the pull's own name gone.
      await store.retag([
        ...previousChanges(store, task.name, from, this.o.keep, to.digest),
        { name: task.name, descriptor: plainDescriptor(to) },
        ...this.pulledName(store, task, to.digest),
      ]);
      this.pin.unpin(task.container);
      clearIntent(this.dir.intent);
      report.Updated = kind === 'update' ? 'true' : 'rolled back';
      if (kind === 'rollback') this.quarantineDigest(task, task.manifestDigest, 'manual', 'rolled back by hand');
      return;
    }
    report.Cause = verdict.cause ?? 'start';
    report.Error = verdict.reason ?? null;
    if (kind === 'update') this.quarantineDigest(task, parseDigest(to.digest), report.Cause, report.Error ?? '');
    // The reference still names the old image: without the pin, a restart starts it.
    this.pin.unpin(task.container);
    await store.retag(this.pulledName(store, task, to.digest));
    this.o.progress?.(`${task.unit}: ${report.Cause}: ${report.Error}${rollback ? `; going back to ${task.manifestDigest}` : ''}`);
    if (!rollback) {
      clearIntent(this.dir.intent);
      report.Updated = 'failed';
      return;
    }
    // A local update's new image was named by whoever put it there: podman re-tags the old one.
    if (store.resolve(task.name)?.digest !== from.digest) await store.tag(task.name, from);
    const started = Date.now();
    const back = await this.verify(task, task.manifestDigest);
    report.Timings.rollbackMs = Date.now() - started;
    report.DependentsRestarted = await restoreDependents(this.o.client, dependents);
    clearIntent(this.dir.intent);
    if (back.ok) {
      report.Updated = kind === 'update' ? 'rolled back' : 'failed';
      return;
    }
    report.Updated = 'failed';
    report.Cause = 'rollback';
    report.Error = `${report.Error}; going back to ${task.manifestDigest} failed too: ${back.reason}`;
  }

  quarantineDigest(task: UpdateTask, digest: Digest, cause: Cause, reason: string): void {
    this.quarantine.add({ name: task.name, digest, unit: task.unit, cause, reason, time: new Date().toISOString() });
  }

  /** Removing the name a pull by digest gave the new image, unless it is also a kept previous image. */
  private pulledName(store: ImageStore, task: UpdateTask, digest: string): NameChange[] {
    const name = digestName(task.reference, digest);
    const entry = store.list().find((i) => i.name === name);
    return entry && entry.descriptor.annotations?.[PREVIOUS_OF_ANNOTATION] === undefined ? [{ name, descriptor: null }] : [];
  }
}

/** Hooks and the journal entry for a settled report; a hook's failure becomes an error line. */
async function announce(o: EngineOptions, report: UpdateReport, errors: CtrmonError[]): Promise<void> {
  recordUpdateEvent(report, o.stateDir);
  for (const line of await runHooks(o.hooksDir, report))
    errors.push(new CtrmonError('ERR_UPDATE', `${report.Unit}: ${line}`, { unit: report.Unit }));
}

export async function autoUpdate(o: AutoUpdateOptions): Promise<RunResult> {
  return locked(o, async (dir) => {
    const recovered = await recoverInterrupted(dir, o);
    const { tasks, errors } = discoverTasks(o.stateDir);
    const switcher = new Switcher(o, dir, Quarantine.load(dir.quarantine));
    const registries = new Map<string, RegistryClient>();
    const registryFor = (task: UpdateTask): RegistryClient => {
      const authFile = task.authfile ?? o.authfile;
      const key = authFile ?? '';
      let client = registries.get(key);
      if (!client) {
        client = new RegistryClient({ authFile, tlsVerify: o.tlsVerify, registriesConf: loadRegistriesConf() });
        registries.set(key, client);
      }
      return client;
    };
    // Checks are independent requests, made together; units are then changed one at a time.
    const checks = await mapConcurrently(tasks, CHECK_CONCURRENCY, (task) => check(task, switcher, registryFor));
    const reports: UpdateReport[] = [];
    for (const [i, task] of tasks.entries()) {
      const report = newReport(task);
      report.Recovered = recovered.includes(task.unit);
      reports.push(report);
      const started = Date.now();
      await updateOne(task, checks[i], report, o, switcher, registryFor).catch((err) => {
        report.Updated = 'failed';
        report.Error = errorMessage(err);
      });
      report.Timings.totalMs = Date.now() - started + (report.Timings.checkMs ?? 0);
      if (report.Error !== null && report.Updated === 'failed')
        errors.push(new CtrmonError('ERR_UPDATE', `${task.unit}: ${report.Error}`, { unit: task.unit }));
      await announce(o, report, errors);
    }
    return { reports, errors, exitCode: exitCodeOf(reports, errors.length) };
  });
}

const CHECK_CONCURRENCY = 8;

interface CheckOutcome {
  candidate: Candidate | null;
  error?: string;
  ms: number;
}

async function check(task: UpdateTask, switcher: Switcher, registryFor: (task: UpdateTask) => RegistryClient): Promise<CheckOutcome> {
  const started = Date.now();
  try {
    const store = await switcher.store(task.root);
    const candidate = task.policy === 'registry' ? await checkRegistry(task, store, registryFor(task)) : checkLocal(task, store);
    return { candidate, ms: Date.now() - started };
  } catch (err) {
    return {
      candidate: null,
      error: `checking image updates for container ${task.container}: ${asCtrmonError(err).message}`,
      ms: Date.now() - started,
    };
  }
}

async function updateOne(
  task: UpdateTask,
  checked: CheckOutcome,
  report: UpdateReport,
  o: AutoUpdateOptions,
  switcher: Switcher,
  registryFor: (task: UpdateTask) => RegistryClient,
): Promise<void> {
  const store = await switcher.store(task.root);
  report.Timings.checkMs = checked.ms;
  if (checked.error !== undefined) {
    report.Cause = 'check';
    report.Error = checked.error;
    return;
  }
  const { candidate } = checked;
  if (candidate === null) {
    report.Updated = 'false';
    return;
  }
  report.NewDigest = candidate.digest;
  if (switcher.quarantine.find(task.name, candidate.digest)) {
    report.Updated = 'false';
    report.Quarantined = true;
    return;
  }
  if (o.dryRun) {
    report.Updated = 'pending';
    return;
  }
  // Asked while the image is pulled: which units that need this one are up now.
  const dependents = activeDependents(o.client, task.unit);
  dependents.catch(() => undefined);
  let to = candidate.descriptor;
  if (to === undefined) {
    const byDigest = digestName(task.reference, candidate.digest);
    o.progress?.(`Trying to pull ${byDigest}...`);
    const pullStart = Date.now();
    try {
      const registry = registryFor(task);
      await pullImage(byDigest, { store, registry, platform: candidate.platform! });
    } catch (err) {
      report.Cause = 'pull';
      report.Error = `pulling ${byDigest}: ${asCtrmonError(err).message}`;
      return;
    } finally {
      report.Timings.pullMs = Date.now() - pullStart;
    }
    to = store.resolve(byDigest)!;
  }
  await switcher.apply(task, to, 'update', report, o.rollback, dependents);
}

export interface RollbackOptions extends EngineOptions {
  unit: string;
  /** A previous image's digest; default: the newest previous image. */
  to?: string;
}

/** `ctrmon rollback <unit>`: back to a kept previous image, verified the same way; the image left is quarantined. */
export async function rollbackByHand(o: RollbackOptions): Promise<RunResult> {
  return locked(o, async (dir) => {
    const recovered = await recoverInterrupted(dir, o);
    const task = unitTask(o.stateDir, o.unit);
    const switcher = new Switcher(o, dir, Quarantine.load(dir.quarantine));
    const store = await switcher.store(task.root);
    const kept = previousImages(store, task.name).filter((p) => p.digest !== task.manifestDigest);
    const target = o.to === undefined ? kept[0] : kept.find((p) => p.digest === o.to || p.digest.startsWith(`sha256:${o.to}`));
    if (target === undefined) {
      const which = o.to === undefined ? 'no previous image' : `no previous image ${o.to}`;
      throw new CtrmonError('ERR_UPDATE', `${o.unit}: ${which} of ${task.name} is kept in ${task.root}`, { unit: o.unit, name: task.name });
    }
    const report = newReport(task);
    report.Recovered = recovered.includes(task.unit);
    report.NewDigest = target.digest;
    report.Cause = 'manual';
    const started = Date.now();
    await switcher.apply(task, target.descriptor, 'rollback', report, true);
    report.Timings.totalMs = Date.now() - started;
    const errors: CtrmonError[] = [];
    if (report.Updated === 'failed') errors.push(new CtrmonError('ERR_UPDATE', `${task.unit}: ${report.Error}`, { unit: task.unit }));
    await announce(o, report, errors);
    return { reports: [report], errors, exitCode: errors.length > 0 ? exitCodeOf([report], errors.length) : 0 };
  });
}
