// Advisory whole-file locks (flock), which Node cannot take: a monitor holds one on
// <state-dir>/<name>/monitor.lock for its whole life, and the kernel drops it when the process
// dies, however it dies, so a stale lock never needs detecting.
#pragma once

#include <napi.h>

namespace ctrmon {

// lockFile(path): fd. Opens (creating, mode 0644) and locks exclusively without waiting; throws
// EWOULDBLOCK when another open file description holds the lock.
Napi::Value LockFile(const Napi::CallbackInfo& info);
// unlockFile(fd): closes the fd, which releases the lock.
Napi::Value UnlockFile(const Napi::CallbackInfo& info);

}  // namespace ctrmon
