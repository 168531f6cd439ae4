#include "poll_core.h"

#include <unistd.h>

namespace ctrmon {

PollCore::PollCore(Napi::Env env, int fd, Napi::Reference<Napi::Object>* owner,
                   const char* resource)
    : env_(env), fd_(fd), owner_(owner) {
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &poll_, fd);
  poll_.data = this;
  asyncContext_ = std::make_unique<Napi::AsyncContext>(env, resource);
  GetAddonData(env)->live.insert(this);
}

int PollCore::SetEvents(int events) {
  if (closed_) return UV_EBADF;
  int rc = events ? uv_poll_start(&poll_, events, PollCallback) : uv_poll_stop(&poll_);
  if (rc < 0) return rc;
  events_ = events;
  bool want = events != 0;
  if (want != pinned_ && owner_ != nullptr) {
    if (want) {
      owner_->Ref();
    } else {
      owner_->Unref();
    }
    pinned_ = want;
  }
  return 0;
}

void PollCore::Close() {
  if (closed_) return;
  SetEvents(0);
  closed_ = true;
  ReleaseCallbacks();
  if (callbackDepth_ == 0) asyncContext_.reset();
  GetAddonData(env_)->live.erase(this);
  close(fd_);
  fd_ = -1;
  uv_close(reinterpret_cast<uv_handle_t*>(&poll_), CloseCallback);
}

void PollCore::ReleaseFromWrapper() {
  owner_ = nullptr;
  wrapperGone_ = true;
  if (!closed_) {
    Close();
  } else {
    MaybeDelete();
  }
}

void PollCore::MaybeDelete() {
  if (handleClosed_ && wrapperGone_) delete this;
}

void PollCore::CloseCallback(uv_handle_t* handle) {
  auto* self = static_cast<PollCore*>(handle->data);
  self->handleClosed_ = true;
  self->MaybeDelete();
}

void PollCore::PollCallback(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<PollCore*>(handle->data);
  if (self->closed_) return;
  Napi::HandleScope scope(self->env_);
  self->OnEvents(status, events);
}

void PollCore::Invoke(Napi::FunctionReference& fn, const std::vector<napi_value>& args) {
  if (fn.IsEmpty() || !asyncContext_) return;
  callbackDepth_++;
  try {
    fn.MakeCallback(env_.Global(), args, *asyncContext_);
  } catch (const Napi::Error& e) {
    napi_fatal_exception(env_, e.Value());
  }
  callbackDepth_--;
  if (closed_ && callbackDepth_ == 0) asyncContext_.reset();
}

}  // namespace ctrmon
