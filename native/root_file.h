// Reading a file of a container's rootfs the way the container would see it: symlinks resolved
// inside that root (RESOLVE_IN_ROOT), so an image whose /etc/passwd is a link to /etc/shadow
// yields the rootfs's file, never the host's.
#pragma once

#include <napi.h>

namespace ctrmon {

// readFileInRoot(root, path, maxBytes): Buffer | null (null when there is no such file).
Napi::Value ReadFileInRoot(const Napi::CallbackInfo& info);

}  // namespace ctrmon
