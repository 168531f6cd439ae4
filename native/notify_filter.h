// The sd_notify allowlist: which lines of a container's datagram may go to systemd. conmon's list:
// READY=1, RELOADING=1, STOPPING=1, WATCHDOG=1, WATCHDOG=trigger and lines starting STATUS=,
// ERRNO=, BUSERROR=, MONOTONIC_USEC=. Never MAINPID*, NOTIFYACCESS=, FDSTORE*, FDNAME=, FDPOLL=,
// WATCHDOG_USEC=, RESTART_RESET=, BARRIER= (they would let a container repoint, re-time or
// outlive its unit); EXTEND_TIMEOUT_USEC= only with a cap (extendMaxUsec >= 0), clamped to it.
#pragma once

#include <napi.h>

#include <string>
#include <vector>

namespace ctrmon {

struct FilterResult {
  // The kept lines joined with '\n', in their original order and bytes.
  std::string kept;
  // It holds READY=1, STOPPING=1 or RELOADING=1: a change of the unit's state.
  bool stateChange = false;
  // Names (text before '=') of the dropped lines, when asked for.
  std::vector<std::string> dropped;
};

// Lines split on '\n' and '\r', like conmon; empty ones are skipped.
void FilterNotify(const char* data, size_t length, long long extendMaxUsec, bool wantDropped, FilterResult* out);

// filterNotifyMessage(buffer, extendMaxUsec): { kept: string[], dropped: string[] } (latin1)
Napi::Value FilterNotifyMessage(const Napi::CallbackInfo& info);

}  // namespace ctrmon
