#include "poll_core.h"

#include <unistd.h>

namespace ctrmon {

PollCore::PollCore(Napi::Env env, int fd, Napi::Reference<Napi::Object>* owner, const char* resource)
    : HandleCore(env, owner, resource), fd_(fd) {
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, &poll_, fd);
  Adopt(reinterpret_cast<uv_handle_t*>(&poll_));
}

int PollCore::SetEvents(int events) {
  if (closed()) return UV_EBADF;
  int rc = events ? uv_poll_start(&poll_, events, PollCallback) : uv_poll_stop(&poll_);
  if (rc < 0) return rc;
  Pin(events != 0);
  return 0;
}

void PollCore::ReleaseResources() {
  uv_poll_stop(&poll_);
  close(fd_);
  fd_ = -1;
}

void PollCore::PollCallback(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<PollCore*>(From(reinterpret_cast<uv_handle_t*>(handle)));
  if (self->closed()) return;
  Napi::HandleScope scope(self->env_);
  self->OnEvents(status, events);
}

}  // namespace ctrmon
