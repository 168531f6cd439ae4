// errno -> JS Error shaped like Node's own system errors:
//   message "ECONNREFUSED: connection refused, sendto '/path'"
//   properties code, errno (negative), syscall, and the thing that failed (path/address/pid).
#pragma once

#include <napi.h>

#include <string>

namespace ctrmon {

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall);
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const char* key,
                       const std::string& value);
Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const char* key, int value);

}  // namespace ctrmon
