// The numbers and words the addon shares with JavaScript, declared once here and exported by
// ExportConstants (the addon's `constants`), so that src/native.ts never copies them.
#pragma once

#include <napi.h>

#include <cstddef>

namespace ctrmon {

// systemd reads notify datagrams into PIPE_BUF bytes and ignores longer ones.
constexpr size_t kNotifyMaxBytes = 4096;
// systemd's NOTIFY_FD_MAX: room for fds in one control message.
constexpr size_t kMaxFds = 768;

// DgramSocket onMessage flags
constexpr int kFlagTruncated = 1;
constexpr int kFlagControlTruncated = 2;

// NotifyRelay onMessage flags
constexpr int kRelayStateChange = 1;
constexpr int kRelayUnsent = 2;

// NotifyRelay onDrop reasons
constexpr int kDropOversize = 1;
constexpr int kDropControlTruncated = 2;
constexpr int kDropNulByte = 3;

// The notify lines that change a unit's state.
inline const char* const kStateChanges[] = {"READY=1", "RELOADING=1", "STOPPING=1"};

Napi::Object ExportConstants(Napi::Env env);

}  // namespace ctrmon
