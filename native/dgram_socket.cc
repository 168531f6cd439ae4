#include "dgram_socket.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "errors.h"

namespace ctrmon {

namespace {

// systemd's NOTIFY_FD_MAX: default room for fds in one control message.
constexpr size_t kDefaultMaxFds = 768;
// Datagrams handled per poll callback before yielding to the rest of the loop.
constexpr int kMaxPerCallback = 256;

constexpr int kFlagTruncated = 1;
constexpr int kFlagControlTruncated = 2;

// A sockaddr_un for '/path' or '@abstract'. Paths longer than sun_path are reached through an
// O_PATH descriptor of their directory (/proc/self/fd/N/name), as conmon does.
class UnixAddress {
 public:
  ~UnixAddress() {
    if (dirfd_ >= 0) close(dirfd_);
  }

  // Returns 0 or an errno value.
  int Resolve(const std::string& address) {
    memset(&sa_, 0, sizeof sa_);
    sa_.sun_family = AF_UNIX;
    if (address.empty() || address.find('\0') != std::string::npos) return EINVAL;
    if (address[0] == '@') {
      std::string name = address.substr(1);
      if (name.size() > sizeof sa_.sun_path - 1) return ENAMETOOLONG;
      memcpy(sa_.sun_path + 1, name.data(), name.size());
      len_ = offsetof(struct sockaddr_un, sun_path) + 1 + name.size();
      return 0;
    }
    std::string path = address;
    if (path.size() >= sizeof sa_.sun_path) {
      size_t slash = path.rfind('/');
      std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
      if (dir.empty()) dir = "/";
      std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
      dirfd_ = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
      if (dirfd_ < 0) return errno;
      path = "/proc/self/fd/" + std::to_string(dirfd_) + "/" + base;
      if (path.size() >= sizeof sa_.sun_path) return ENAMETOOLONG;
    }
    memcpy(sa_.sun_path, path.data(), path.size());
    len_ = offsetof(struct sockaddr_un, sun_path) + path.size() + 1;
    return 0;
  }

  const struct sockaddr* get() const { return reinterpret_cast<const struct sockaddr*>(&sa_); }
  socklen_t length() const { return len_; }

 private:
  struct sockaddr_un sa_;
  socklen_t len_ = 0;
  int dirfd_ = -1;
};

std::string StringArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsString()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a string");
  }
  return info[i].As<Napi::String>().Utf8Value();
}

Napi::FunctionReference FunctionArg(const Napi::CallbackInfo& info, size_t i, const char* what) {
  if (info.Length() <= i || !info[i].IsFunction()) {
    throw Napi::TypeError::New(info.Env(), std::string(what) + " must be a function");
  }
  return Napi::Persistent(info[i].As<Napi::Function>());
}

}  // namespace

class DgramSocket::Core : public PollCore {
 public:
  Core(Napi::Env env, int fd, Napi::Reference<Napi::Object>* owner)
      : PollCore(env, fd, owner, "ctrmon:DgramSocket") {}

  void StartReceiving(size_t bufferSize, size_t maxFds, Napi::FunctionReference onMessage,
                      Napi::FunctionReference onError) {
    buffer_.resize(bufferSize);
    // Fds beyond this room are discarded (closed) by the kernel and flagged MSG_CTRUNC.
    control_.resize(CMSG_SPACE(sizeof(struct ucred)) + (maxFds ? CMSG_SPACE(sizeof(int) * maxFds) : 0));
    onMessage_ = std::move(onMessage);
    onError_ = std::move(onError);
    Update();
  }

  void AwaitWritable(Napi::FunctionReference onWritable) {
    onWritable_ = std::move(onWritable);
    Update();
  }

 protected:
  void OnEvents(int status, int events) override {
    if (status < 0) {
      ReportError(-status, "poll");
      return;
    }
    if ((events & UV_WRITABLE) && !onWritable_.IsEmpty()) {
      Napi::FunctionReference cb = std::move(onWritable_);  // one-shot
      Update();
      Invoke(cb, {});
    }
    if ((events & UV_READABLE) && !closed()) Drain();
  }

  void ReleaseCallbacks() override {
    onMessage_.Reset();
    onError_.Reset();
    onWritable_.Reset();
  }

 private:
  void Update() {
    int events = (onMessage_.IsEmpty() ? 0 : UV_READABLE) | (onWritable_.IsEmpty() ? 0 : UV_WRITABLE);
    int rc = SetEvents(events);
    if (rc < 0) ReportError(-rc, "poll");
  }

  void ReportError(int err, const char* syscall) {
    if (onError_.IsEmpty()) return;
    Napi::HandleScope scope(env_);
    Invoke(onError_, {ErrnoError(env_, err, syscall).Value()});
  }

  void Drain() {
    for (int i = 0; i < kMaxPerCallback && !closed() && !onMessage_.IsEmpty(); i++) {
      struct iovec iov = {buffer_.data(), buffer_.size()};
      struct msghdr msg = {};
      msg.msg_iov = &iov;
      msg.msg_iovlen = 1;
      msg.msg_control = control_.data();
      msg.msg_controllen = control_.size();
      ssize_t n = recvmsg(fd(), &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
      if (n < 0) {
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return;
        ReportError(errno, "recvmsg");
        return;
      }
      int pid = 0, uid = -1, gid = -1, fds = 0;
      for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level != SOL_SOCKET) continue;
        if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
          struct ucred cred;
          memcpy(&cred, CMSG_DATA(c), sizeof cred);
          pid = cred.pid;
          uid = static_cast<int>(cred.uid);
          gid = static_cast<int>(cred.gid);
        } else if (c->cmsg_type == SCM_RIGHTS) {
          size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
          for (size_t k = 0; k < count; k++) {
            int received;
            memcpy(&received, CMSG_DATA(c) + k * sizeof(int), sizeof received);
            close(received);
            fds++;
          }
        }
      }
      int flags = ((msg.msg_flags & MSG_TRUNC) ? kFlagTruncated : 0) |
                  ((msg.msg_flags & MSG_CTRUNC) ? kFlagControlTruncated : 0);
      size_t copied = static_cast<size_t>(n) < buffer_.size() ? static_cast<size_t>(n) : buffer_.size();
      Napi::HandleScope scope(env_);
      Invoke(onMessage_, {Napi::Buffer<char>::Copy(env_, buffer_.data(), copied),
                          Napi::Number::New(env_, static_cast<double>(n)),
                          Napi::Number::New(env_, pid), Napi::Number::New(env_, uid),
                          Napi::Number::New(env_, gid), Napi::Number::New(env_, flags),
                          Napi::Number::New(env_, fds)});
    }
  }

  std::vector<char> buffer_;
  std::vector<char> control_;
  Napi::FunctionReference onMessage_;
  Napi::FunctionReference onError_;
  Napi::FunctionReference onWritable_;
};

Napi::Function DgramSocket::Init(Napi::Env env) {
  return DefineClass(env, "DgramSocket",
                     {
                         InstanceMethod("bind", &DgramSocket::Bind),
                         InstanceMethod("connect", &DgramSocket::Connect),
                         InstanceMethod("send", &DgramSocket::Send),
                         InstanceMethod("startReceiving", &DgramSocket::StartReceiving),
                         InstanceMethod("awaitWritable", &DgramSocket::AwaitWritable),
                         InstanceMethod("close", &DgramSocket::Close),
                         InstanceAccessor("closed", &DgramSocket::IsClosed, nullptr),
                     });
}

DgramSocket::DgramSocket(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DgramSocket>(info) {
  int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) throw ErrnoError(info.Env(), errno, "socket");
  core_ = new Core(info.Env(), fd, this);
}

DgramSocket::~DgramSocket() {
  if (core_ != nullptr) core_->ReleaseFromWrapper();
}

DgramSocket::Core* DgramSocket::Live(const Napi::CallbackInfo& info, const char* syscall) {
  if (core_ == nullptr || core_->closed()) throw ErrnoError(info.Env(), EBADF, syscall);
  return core_;
}

// bind(address, mode?): mode applies to a path socket (chmod after bind).
void DgramSocket::Bind(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string address = StringArg(info, 0, "address");
  Core* core = Live(info, "bind");
  UnixAddress addr;
  int err = addr.Resolve(address);
  if (err != 0) throw ErrnoError(env, err, "bind", "address", address);
  int on = 1;
  if (setsockopt(core->fd(), SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0) {
    throw ErrnoError(env, errno, "setsockopt", "address", address);
  }
  if (bind(core->fd(), addr.get(), addr.length()) < 0) {
    throw ErrnoError(env, errno, "bind", "address", address);
  }
  if (address[0] != '@' && info.Length() > 1 && info[1].IsNumber()) {
    mode_t mode = static_cast<mode_t>(info[1].As<Napi::Number>().Uint32Value());
    if (chmod(address.c_str(), mode) < 0) throw ErrnoError(env, errno, "chmod", "path", address);
  }
}

void DgramSocket::Connect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string address = StringArg(info, 0, "address");
  Core* core = Live(info, "connect");
  UnixAddress addr;
  int err = addr.Resolve(address);
  if (err != 0) throw ErrnoError(env, err, "connect", "address", address);
  if (connect(core->fd(), addr.get(), addr.length()) < 0) {
    throw ErrnoError(env, errno, "connect", "address", address);
  }
}

// send(buffer, address?): one datagram, never blocking; returns the bytes sent.
Napi::Value DgramSocket::Send(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) {
    throw Napi::TypeError::New(env, "data must be a Buffer");
  }
  Napi::Buffer<char> data = info[0].As<Napi::Buffer<char>>();
  bool hasAddress = info.Length() > 1 && info[1].IsString();
  const char* syscall = hasAddress ? "sendto" : "send";
  Core* core = Live(info, syscall);
  ssize_t n;
  if (hasAddress) {
    std::string address = info[1].As<Napi::String>().Utf8Value();
    UnixAddress addr;
    int err = addr.Resolve(address);
    if (err != 0) throw ErrnoError(env, err, syscall, "address", address);
    do {
      n = sendto(core->fd(), data.Data(), data.Length(), MSG_DONTWAIT | MSG_NOSIGNAL, addr.get(),
                 addr.length());
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw ErrnoError(env, errno, syscall, "address", address);
  } else {
    do {
      n = send(core->fd(), data.Data(), data.Length(), MSG_DONTWAIT | MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    if (n < 0) throw ErrnoError(env, errno, syscall);
  }
  return Napi::Number::New(env, static_cast<double>(n));
}

// startReceiving(bufferSize, onMessage(data, size, pid, uid, gid, flags, fds), onError(err),
//                maxFds?)
void DgramSocket::StartReceiving(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber() || info[0].As<Napi::Number>().Int64Value() < 1) {
    throw Napi::TypeError::New(env, "bufferSize must be a positive number");
  }
  size_t size = static_cast<size_t>(info[0].As<Napi::Number>().Int64Value());
  Napi::FunctionReference onMessage = FunctionArg(info, 1, "onMessage");
  Napi::FunctionReference onError = FunctionArg(info, 2, "onError");
  size_t maxFds = kDefaultMaxFds;
  if (info.Length() > 3 && info[3].IsNumber()) {
    maxFds = static_cast<size_t>(info[3].As<Napi::Number>().Uint32Value());
  }
  Live(info, "recvmsg")->StartReceiving(size, maxFds, std::move(onMessage), std::move(onError));
}

// awaitWritable(cb): calls cb once when the socket (or its connected peer) can take a datagram.
void DgramSocket::AwaitWritable(const Napi::CallbackInfo& info) {
  Napi::FunctionReference cb = FunctionArg(info, 0, "callback");
  Live(info, "poll")->AwaitWritable(std::move(cb));
}

void DgramSocket::Close(const Napi::CallbackInfo& info) {
  if (core_ != nullptr) core_->Close();
}

Napi::Value DgramSocket::IsClosed(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), core_ == nullptr || core_->closed());
}

}  // namespace ctrmon
