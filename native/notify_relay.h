// NotifyRelay: a container's NOTIFY_SOCKET relayed to systemd's on a thread of its own, so that
// neither JavaScript nor a V8 garbage collection ever delays a message. The thread blocks in
// poll() (an idle relay never wakes up); each datagram is received, checked (size, control data,
// NUL bytes), filtered through the allowlist and sent on at once with MSG_DONTWAIT. JavaScript
// hears, through a uv_async handle, only of state changes (READY=1, STOPPING=1, RELOADING=1), of
// dropped datagrams, and of messages it must send itself: when a direct send fails (systemd's
// socket missing or full) the message goes to the JS queue, and direct sending stays off until JS
// says that queue has drained and no such message is still on its way to JS, so order is kept.
#pragma once

#include <napi.h>

#include "handle_core.h"

namespace ctrmon {

class NotifyRelay : public Napi::ObjectWrap<NotifyRelay> {
 public:
  static Napi::Function Init(Napi::Env env);
  // new NotifyRelay(listenPath, target | null, extendMaxUsec | -1)
  explicit NotifyRelay(const Napi::CallbackInfo& info);
  ~NotifyRelay() override;

 private:
  class Core;

  Core* Live(const Napi::CallbackInfo& info, const char* syscall);
  void Start(const Napi::CallbackInfo& info);
  void SetDirect(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  Core* core_ = nullptr;
};

}  // namespace ctrmon
