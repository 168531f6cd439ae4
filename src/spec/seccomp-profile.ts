// A seccomp profile file (--security-opt seccomp=FILE), read at every start: a JSON object with a
// defaultAction, in the runtime's form or docker's (spec/steps/seccomp.ts takes either).
import { readFileSync } from 'node:fs';

import { CtrmonError, errorMessage } from '../errors';
import type { SeccompProfile } from './steps/seccomp';

export function readSeccompProfile(file: string): SeccompProfile {
  const bad = (why: string, cause?: unknown) =>
    new CtrmonError('ERR_INVALID_OPTION', `--security-opt seccomp=${file}: ${why}`, { path: file }, { cause });
  let profile: unknown;
  try {
    profile = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw bad(`cannot read it as JSON (${errorMessage(err)})`, err);
  }
  if (typeof profile !== 'object' || profile === null || Array.isArray(profile)) throw bad('not a JSON object');
  if (typeof (profile as SeccompProfile).defaultAction !== 'string') throw bad('no defaultAction');
  return profile as SeccompProfile;
}
