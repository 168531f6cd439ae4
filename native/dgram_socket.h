// AF_UNIX SOCK_DGRAM socket on the Node event loop: bind (path with a mode, or '@abstract'),
// connect, non-blocking send, and recvmsg with the sender's credentials, truncation flags and
// received fds closed at once (the sd_notify BARRIER=1 protocol relies on that close).
#pragma once

#include <napi.h>

#include "poll_core.h"

namespace ctrmon {

class DgramSocket : public Napi::ObjectWrap<DgramSocket> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit DgramSocket(const Napi::CallbackInfo& info);
  ~DgramSocket() override;

 private:
  class Core;

  Core* Live(const Napi::CallbackInfo& info, const char* syscall);
  void Bind(const Napi::CallbackInfo& info);
  void Connect(const Napi::CallbackInfo& info);
  Napi::Value Send(const Napi::CallbackInfo& info);
  void StartReceiving(const Napi::CallbackInfo& info);
  void AwaitWritable(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);
  Napi::Value IsClosed(const Napi::CallbackInfo& info);

  Core* core_ = nullptr;
};

}  // namespace ctrmon
