// HandleCore: native state behind a JS wrapper object, built around one libuv handle.
//
// Lifetime rules (the reason this class exists):
// - While it is active, the core pins its JS wrapper (a strong reference), like a libuv-backed
//   Node handle keeps its JS object alive; once inactive the wrapper may be collected.
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

// Calls fn(args...) as a proper async callback (MakeCallback: async context, microtasks); an
// exception goes to process 'uncaughtException' instead of escaping into a uv callback.
void InvokeJs(Napi::Env env, Napi::FunctionReference& fn, Napi::AsyncContext& context, const std::vector<napi_value>& args);

class HandleCore : public Closable {
 public:
  bool closed() const { return closed_; }

  // Releases the subclass's resources and the JS callbacks, then closes the uv handle. Idempotent.
  void Close() override;
  // Called from the wrapper's destructor: the wrapper no longer exists.
  void ReleaseFromWrapper();

 protected:
  HandleCore(Napi::Env env, Napi::Reference<Napi::Object>* owner, const char* resource);
  ~HandleCore() override = default;

  // Subclasses initialise their handle and then call this, so that callbacks find the core.
  void Adopt(uv_handle_t* handle);
  // Keeps the JS wrapper alive (or lets it go).
  void Pin(bool pinned);
  // Calls fn(args...) from a uv callback; see InvokeJs.
  void Invoke(Napi::FunctionReference& fn, const std::vector<napi_value>& args);
  static HandleCore* From(uv_handle_t* handle) { return static_cast<HandleCore*>(handle->data); }

  // Stop polling, threads; close fds. Called once, from Close().
  virtual void ReleaseResources() = 0;
  // Drop every Napi::FunctionReference the subclass holds.
  virtual void ReleaseCallbacks() = 0;

  Napi::Env env_;

 private:
  static void CloseCallback(uv_handle_t* handle);
  void MaybeDelete();

  uv_handle_t* handle_ = nullptr;
  bool closed_ = false;
  bool pinned_ = false;
  bool handleClosed_ = false;
  bool wrapperGone_ = false;
  int callbackDepth_ = 0;
  Napi::Reference<Napi::Object>* owner_;
  std::unique_ptr<Napi::AsyncContext> asyncContext_;
};

}  // namespace ctrmon
