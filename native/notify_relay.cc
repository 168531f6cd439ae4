#include "notify_relay.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "constants.h"
#include "datagram_io.h"
#include "errors.h"
#include "notify_filter.h"

namespace ctrmon {

namespace {

enum class EventKind { kMessage, kDrop, kError };

struct Event {
  EventKind kind;
  std::string payload;  // kMessage
  int flags = 0;        // kMessage: kRelayStateChange | kRelayUnsent; kDrop: the reason
  double size = 0;      // kDrop
  int pid = 0;
  int err = 0;                 // kError
  const char* syscall = "";    // kError
};

}  // namespace

class NotifyRelay::Core : public HandleCore {
 public:
  Core(Napi::Env env, int fd, Napi::Reference<Napi::Object>* owner) : HandleCore(env, owner, "ctrmon:NotifyRelay"), fd_(fd) {
    reader_.Configure(kNotifyMaxBytes, kMaxFds);
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    uv_async_init(loop, &async_, AsyncCallback);
    uv_unref(reinterpret_cast<uv_handle_t*>(&async_));  // what keeps the monitor alive is its container
    Adopt(reinterpret_cast<uv_handle_t*>(&async_));
  }

  // Returns 0 or an errno value.
  int SetTarget(const std::string& target) {
    int err = target_.Resolve(target);
    if (err != 0) return err;
    sendFd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    return sendFd_ < 0 ? errno : 0;
  }

  void SetExtendMax(long long usec) { extendMax_ = usec; }

  // Returns 0 or an errno value.
  int Start(Napi::FunctionReference onMessage, Napi::FunctionReference onDrop, Napi::FunctionReference onError) {
    onMessage_ = std::move(onMessage);
    onDrop_ = std::move(onDrop);
    onError_ = std::move(onError);
    wakeFd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (wakeFd_ < 0) return errno;
    Pin(true);
    thread_ = std::thread([this] { Loop(); });
    return 0;
  }

  // Direct sending resumes only when no unsent message is still on its way to JS.
  void SetDirect() {
    std::lock_guard<std::mutex> lock(mu_);
    if (pendingUnsent_ == 0) direct_ = true;
  }

  std::atomic<double> received{0}, relayed{0}, sentDirect{0}, oversize{0}, malformed{0};

 protected:
  void ReleaseResources() override {
    if (thread_.joinable()) {
      uint64_t one = 1;
      ssize_t ignored = write(wakeFd_, &one, sizeof one);
      (void)ignored;
      thread_.join();
    }
    for (int* fd : {&fd_, &sendFd_, &wakeFd_}) {
      if (*fd >= 0) close(*fd);
      *fd = -1;
    }
  }

  void ReleaseCallbacks() override {
    onMessage_.Reset();
    onDrop_.Reset();
    onError_.Reset();
  }

 private:
  // --- the relay thread ---
  void Loop() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);  // signals belong to the main thread
    struct pollfd fds[2] = {{fd_, POLLIN, 0}, {wakeFd_, POLLIN, 0}};
    for (;;) {
      if (poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        Post({EventKind::kError, "", 0, 0, 0, errno, "poll"});
        return;
      }
      if (fds[1].revents) return;  // closing
      for (;;) {
        ReceivedDatagram d;
        int rc = reader_.Receive(fd_, &d);
        if (rc == 0) break;
        if (rc < 0) {
          Post({EventKind::kError, "", 0, 0, 0, -rc, "recvmsg"});
          return;
        }
        Relay(d);
      }
    }
  }

  void Relay(const ReceivedDatagram& d) {
    received = received + 1;
    if (d.truncated || d.size > kNotifyMaxBytes) {
      oversize = oversize + 1;
      Post({EventKind::kDrop, "", kDropOversize, static_cast<double>(d.size), d.pid});
      return;
    }
    if (d.controlTruncated || memchr(reader_.data(), 0, d.copied) != nullptr) {
      malformed = malformed + 1;
      Post({EventKind::kDrop, "", d.controlTruncated ? kDropControlTruncated : kDropNulByte, static_cast<double>(d.size), d.pid});
      return;
    }
    FilterResult r;
    FilterNotify(reader_.data(), d.copied, extendMax_, false, &r);
    if (r.kept.empty()) return;
    relayed = relayed + 1;
    int flags = r.stateChange ? kRelayStateChange : 0;
    if (sendFd_ >= 0) {
      if (direct_ && SendDirect(r.kept)) {
        sentDirect = sentDirect + 1;
      } else {
        flags |= kRelayUnsent;
      }
    }
    if (flags != 0) Post({EventKind::kMessage, std::move(r.kept), flags, 0, d.pid});
  }

  bool SendDirect(const std::string& text) {
    ssize_t n;
    do {
      n = sendto(sendFd_, text.data(), text.size(), MSG_DONTWAIT | MSG_NOSIGNAL, target_.get(), target_.length());
    } while (n < 0 && errno == EINTR);
    return n >= 0;
  }

  void Post(Event event) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (event.kind == EventKind::kMessage && (event.flags & kRelayUnsent)) {
        direct_ = false;
        pendingUnsent_++;
      }
      events_.push_back(std::move(event));
    }
    uv_async_send(&async_);
  }

  // --- the main thread ---
  static void AsyncCallback(uv_async_t* handle) {
    auto* self = static_cast<Core*>(From(reinterpret_cast<uv_handle_t*>(handle)));
    if (self->closed()) return;
    Napi::HandleScope scope(self->env_);
    self->Deliver();
  }

  void Deliver() {
    std::vector<Event> batch;
    {
      std::lock_guard<std::mutex> lock(mu_);
      batch.swap(events_);
    }
    for (Event& e : batch) {
      if (closed()) return;
      Napi::HandleScope scope(env_);
      switch (e.kind) {
        case EventKind::kMessage:
          if (e.flags & kRelayUnsent) {
            std::lock_guard<std::mutex> lock(mu_);
            pendingUnsent_--;  // JS owns it from here; its queue keeps the order
          }
          Invoke(onMessage_, {Napi::Buffer<char>::Copy(env_, e.payload.data(), e.payload.size()), Napi::Number::New(env_, e.flags),
                              Napi::Number::New(env_, e.pid)});
          break;
        case EventKind::kDrop:
          Invoke(onDrop_, {Napi::Number::New(env_, e.flags), Napi::Number::New(env_, e.size), Napi::Number::New(env_, e.pid)});
          break;
        case EventKind::kError:
          Invoke(onError_, {ErrnoError(env_, e.err, e.syscall).Value()});
          break;
      }
    }
  }

  int fd_;
  int sendFd_ = -1;
  int wakeFd_ = -1;
  DatagramReader reader_;
  UnixAddress target_;
  long long extendMax_ = -1;
  std::atomic<bool> direct_{true};
  std::mutex mu_;
  std::vector<Event> events_;  // guarded by mu_
  size_t pendingUnsent_ = 0;   // guarded by mu_
  std::thread thread_;
  uv_async_t async_;
  Napi::FunctionReference onMessage_;
  Napi::FunctionReference onDrop_;
  Napi::FunctionReference onError_;
};

Napi::Function NotifyRelay::Init(Napi::Env env) {
  return DefineClass(env, "NotifyRelay",
                     {
                         InstanceMethod("start", &NotifyRelay::Start),
                         InstanceMethod("setDirect", &NotifyRelay::SetDirect),
                         InstanceMethod("stats", &NotifyRelay::Stats),
                         InstanceMethod("close", &NotifyRelay::Close),
                     });
}

NotifyRelay::NotifyRelay(const Napi::CallbackInfo& info) : Napi::ObjectWrap<NotifyRelay>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "listenPath must be a string");
  std::string listen = info[0].As<Napi::String>().Utf8Value();
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);  // blocking: the relay thread waits in poll()
  if (fd < 0) throw ErrnoError(env, errno, "socket");
  const char* syscall = "bind";
  // Mode 0777: any user inside the container may send.
  int err = BindDatagram(fd, listen, 0777, &syscall);
  if (err != 0) {
    close(fd);
    throw ErrnoError(env, err, syscall, strcmp(syscall, "chmod") == 0 ? "path" : "address", listen);
  }
  core_ = new Core(env, fd, this);
  if (info.Length() > 1 && info[1].IsString()) {
    std::string target = info[1].As<Napi::String>().Utf8Value();
    err = core_->SetTarget(target);
    if (err != 0) throw ErrnoError(env, err, "sendto", "address", target);
  }
  if (info.Length() > 2 && info[2].IsNumber()) core_->SetExtendMax(info[2].As<Napi::Number>().Int64Value());
}

NotifyRelay::~NotifyRelay() {
  if (core_ != nullptr) core_->ReleaseFromWrapper();
}

NotifyRelay::Core* NotifyRelay::Live(const Napi::CallbackInfo& info, const char* syscall) {
  if (core_ == nullptr || core_->closed()) throw ErrnoError(info.Env(), EBADF, syscall);
  return core_;
}

// start(onMessage(payload, flags, pid), onDrop(reason, size, pid), onError(err))
void NotifyRelay::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  for (size_t i = 0; i < 3; i++) {
    if (info.Length() <= i || !info[i].IsFunction()) throw Napi::TypeError::New(env, "start takes three callbacks");
  }
  int err = Live(info, "recvmsg")->Start(Napi::Persistent(info[0].As<Napi::Function>()), Napi::Persistent(info[1].As<Napi::Function>()),
                                          Napi::Persistent(info[2].As<Napi::Function>()));
  if (err != 0) throw ErrnoError(env, err, "eventfd");
}

// setDirect(): the JS queue has drained; send directly again (once nothing unsent is pending).
void NotifyRelay::SetDirect(const Napi::CallbackInfo& info) {
  if (core_ != nullptr && !core_->closed()) core_->SetDirect();
}

Napi::Value NotifyRelay::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("received", core_ ? core_->received.load() : 0);
  o.Set("relayed", core_ ? core_->relayed.load() : 0);
  o.Set("sentDirect", core_ ? core_->sentDirect.load() : 0);
  o.Set("oversize", core_ ? core_->oversize.load() : 0);
  o.Set("malformed", core_ ? core_->malformed.load() : 0);
  return o;
}

void NotifyRelay::Close(const Napi::CallbackInfo& info) {
  if (core_ != nullptr) core_->Close();
}

}  // namespace ctrmon
