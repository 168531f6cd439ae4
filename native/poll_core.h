// PollCore: a HandleCore around a uv_poll_t, for one fd polled on the environment's loop.
#pragma once

#include "handle_core.h"

namespace ctrmon {

class PollCore : public HandleCore {
 public:
  PollCore(Napi::Env env, int fd, Napi::Reference<Napi::Object>* owner, const char* resource);

  int fd() const { return fd_; }

 protected:
  // Starts, changes or (events == 0) stops polling; pins the wrapper while polling. Returns 0
  // or a negative uv error.
  int SetEvents(int events);

  // Called on the loop for each poll event. status < 0 is a uv error (e.g. UV_EBADF).
  virtual void OnEvents(int status, int events) = 0;
  void ReleaseResources() override;

 private:
  static void PollCallback(uv_poll_t* handle, int status, int events);

  int fd_;
  uv_poll_t poll_;
};

}  // namespace ctrmon
