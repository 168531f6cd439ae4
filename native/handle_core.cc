#include "handle_core.h"

namespace ctrmon {

void InvokeJs(Napi::Env env, Napi::FunctionReference& fn, Napi::AsyncContext& context, const std::vector<napi_value>& args) {
  try {
    fn.MakeCallback(env.Global(), args, context);
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env, e.Value());
  }
}

HandleCore::HandleCore(Napi::Env env, Napi::Reference<Napi::Object>* owner, const char* resource)
    : env_(env), owner_(owner), asyncContext_(std::make_unique<Napi::AsyncContext>(env, resource)) {
  GetAddonData(env)->live.insert(this);
}

void HandleCore::Adopt(uv_handle_t* handle) {
  handle_ = handle;
  handle->data = this;
}

void HandleCore::Pin(bool pinned) {
  if (pinned == pinned_ || owner_ == nullptr) return;
  if (pinned) {
    owner_->Ref();
  } else {
    owner_->Unref();
  }
  pinned_ = pinned;
}

void HandleCore::Close() {
  if (closed_) return;
  ReleaseResources();
  closed_ = true;
  Pin(false);
  ReleaseCallbacks();
  if (callbackDepth_ == 0) asyncContext_.reset();
  GetAddonData(env_)->live.erase(this);
  uv_close(handle_, CloseCallback);
}

void HandleCore::ReleaseFromWrapper() {
  owner_ = nullptr;
  wrapperGone_ = true;
  if (!closed_) {
    Close();
  } else {
    MaybeDelete();
  }
}

void HandleCore::MaybeDelete() {
  if (handleClosed_ && wrapperGone_) delete this;
}

void HandleCore::CloseCallback(uv_handle_t* handle) {
  HandleCore* self = From(handle);
  self->handleClosed_ = true;
  self->MaybeDelete();
}

void HandleCore::Invoke(Napi::FunctionReference& fn, const std::vector<napi_value>& args) {
  if (fn.IsEmpty() || !asyncContext_) return;
  callbackDepth_++;
  InvokeJs(env_, fn, *asyncContext_, args);
  callbackDepth_--;
  if (closed_ && callbackDepth_ == 0) asyncContext_.reset();
}

}  // namespace ctrmon
