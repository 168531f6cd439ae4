// Process supervision that Node cannot do: the child-subreaper flag, pidfd exit watches
// (uv_poll on the pidfd + waitid(P_PIDFD)), pidfd_send_signal, and reaping of zombie orphans
// that were reparented to us. Nothing here calls waitpid(-1) or installs a SIGCHLD handler:
// children spawned by Node's child_process belong to libuv and must be reaped by it.
#pragma once

#include <napi.h>

#include "poll_core.h"

namespace ctrmon {

class Pidfd : public Napi::ObjectWrap<Pidfd> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit Pidfd(const Napi::CallbackInfo& info);
  ~Pidfd() override;

 private:
  class Core;

  Core* Live(const Napi::CallbackInfo& info, const char* syscall);
  void WatchExit(const Napi::CallbackInfo& info);
  void SendSignal(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  Napi::Value GetPid(const Napi::CallbackInfo& info);

  Core* core_ = nullptr;
  int pid_ = 0;
};

Napi::Value SetChildSubreaper(const Napi::CallbackInfo& info);
Napi::Value IsChildSubreaper(const Napi::CallbackInfo& info);
Napi::Value ReapOrphans(const Napi::CallbackInfo& info);

}  // namespace ctrmon
