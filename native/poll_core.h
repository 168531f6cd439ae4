// PollCore: one fd watched by a uv_poll_t on the environment's loop, calling back into JS.
//
// Lifetime rules (the reason this class exists):
// - While it polls, the core pins its JS wrapper (a strong reference), like a libuv-backed Node
//   handle keeps its JS object alive; once it stops polling the wrapper may be collected.
// - Memory is freed only when both the uv handle has finished closing and the wrapper is gone,
//   so neither a late uv close callback nor a late finalizer touches freed memory.
// - A JS callback that throws is routed to process 'uncaughtException' (napi_fatal_exception)
//   instead of escaping as a C++ exception from a uv callback, which would abort the process.
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>
#include <vector>

#include "addon_data.h"

namespace ctrmon {

class PollCore : public Closable {
 public:
  PollCore(Napi::Env env, int fd, Napi::Reference<Napi::Object>* owner, const char* resource);

  int fd() const { return fd_; }
  bool closed() const { return closed_; }

  // Stops polling, closes the fd and drops the JS callbacks. Idempotent.
  void Close() override;
  // Called from the wrapper's destructor: the wrapper no longer exists.
  void ReleaseFromWrapper();

 protected:
  ~PollCore() override = default;

  // Starts, changes or (events == 0) stops polling. Returns 0 or a negative uv error.
  int SetEvents(int events);
  int events() const { return events_; }

  // Called on the loop for each poll event. status < 0 is a uv error (e.g. UV_EBADF).
  virtual void OnEvents(int status, int events) = 0;
  // Drops every Napi::FunctionReference the subclass holds.
  virtual void ReleaseCallbacks() = 0;

  // Calls fn(args...) as a proper async callback; exceptions go to 'uncaughtException'.
  void Invoke(Napi::FunctionReference& fn, const std::vector<napi_value>& args);

  Napi::Env env_;

 private:
  static void PollCallback(uv_poll_t* handle, int status, int events);
  static void CloseCallback(uv_handle_t* handle);
  void MaybeDelete();

  int fd_;
  uv_poll_t poll_;
  int events_ = 0;
  bool closed_ = false;
  bool pinned_ = false;
  bool handleClosed_ = false;
  bool wrapperGone_ = false;
  int callbackDepth_ = 0;
  Napi::Reference<Napi::Object>* owner_;
  std::unique_ptr<Napi::AsyncContext> asyncContext_;
};

}  // namespace ctrmon
