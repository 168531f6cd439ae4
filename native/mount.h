// Overlay mounts for container root filesystems, which Node cannot make: mount(2) and umount2(2).
#pragma once

#include <napi.h>

namespace ctrmon {

// mountOverlay(lowerDirs: string[] (topmost first), upperDir | null, workDir | null, target). With
// no upper dir the mount is read-only. Paths containing ',' or ':' (and '\') are refused (EINVAL):
// overlayfs's option syntax has no reliable escape for them. Mount data longer than a page is
// retried with paths relative to their common parent, from a thread that chdirs there alone
// (unshare(CLONE_FS)), as containerd does; E2BIG when even that does not fit.
Napi::Value MountOverlay(const Napi::CallbackInfo& info);
// unmount(target, detach): umount2 with UMOUNT_NOFOLLOW, and MNT_DETACH when detach is set.
Napi::Value Unmount(const Napi::CallbackInfo& info);

}  // namespace ctrmon
