#include "dgram_socket.h"

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <string>

#include "constants.h"
#include "datagram_io.h"
#include "errors.h"

namespace ctrmon {

namespace {

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
    reader_.Configure(bufferSize, maxFds);
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
      ReceivedDatagram d;
      int rc = reader_.Receive(fd(), &d);
      if (rc == 0) return;
      if (rc < 0) {
        ReportError(-rc, "recvmsg");
        return;
      }
      int flags = (d.truncated ? kFlagTruncated : 0) | (d.controlTruncated ? kFlagControlTruncated : 0);
      Napi::HandleScope scope(env_);
      Invoke(onMessage_, {Napi::Buffer<char>::Copy(env_, reader_.data(), d.copied),
                          Napi::Number::New(env_, static_cast<double>(d.size)),
                          Napi::Number::New(env_, d.pid), Napi::Number::New(env_, d.uid),
                          Napi::Number::New(env_, d.gid), Napi::Number::New(env_, flags),
                          Napi::Number::New(env_, d.fds)});
    }
  }

  DatagramReader reader_;
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
  std::string address = StringArg(info, 0, "address");
  Core* core = Live(info, "bind");
  int mode = info.Length() > 1 && info[1].IsNumber() ? static_cast<int>(info[1].As<Napi::Number>().Uint32Value()) : -1;
  const char* syscall = "bind";
  int err = BindDatagram(core->fd(), address, mode, &syscall);
  if (err != 0) throw ErrnoError(info.Env(), err, syscall, strcmp(syscall, "chmod") == 0 ? "path" : "address", address);
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
  size_t maxFds = kMaxFds;
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
