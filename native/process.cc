#include "process.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "errors.h"

// glibc 2.36's <sys/pidfd.h> lacks C++ guards; the raw syscalls avoid it.
#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace ctrmon {

namespace {

struct ExitStatus {
  int exitCode = -1;  // -1 when killed by a signal
  int signal = 0;     // 0 when it exited
  bool coreDumped = false;
};

Napi::Object StatusObject(Napi::Env env, int pid, const ExitStatus& st) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("pid", Napi::Number::New(env, pid));
  o.Set("exitCode", st.signal ? env.Null() : Napi::Number::New(env, st.exitCode));
  o.Set("signal", st.signal ? Napi::Number::New(env, st.signal) : env.Null());
  o.Set("coreDumped", Napi::Boolean::New(env, st.coreDumped));
  return o;
}

// The process state letter from /proc/<pid>/stat ('Z' for a zombie), or 0.
char ProcState(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return 0;
  size_t paren = line.rfind(')');  // comm may contain spaces and parentheses
  if (paren == std::string::npos || paren + 2 >= line.size()) return 0;
  return line[paren + 2];
}

// Children of every thread of this process (an orphan may be reparented to any thread).
std::vector<int> OwnChildren() {
  std::vector<int> pids;
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return pids;
  while (struct dirent* e = readdir(dir)) {
    if (e->d_name[0] == '.') continue;
    std::ifstream in(std::string("/proc/self/task/") + e->d_name + "/children");
    int pid;
    while (in >> pid) pids.push_back(pid);
  }
  closedir(dir);
  return pids;
}

}  // namespace

class Pidfd::Core : public PollCore {
 public:
  Core(Napi::Env env, int fd, int pid, Napi::Reference<Napi::Object>* owner)
      : PollCore(env, fd, owner, "ctrmon:Pidfd"), pid_(pid) {}

  void Watch(Napi::FunctionReference onExit) {
    onExit_ = std::move(onExit);
    int rc = SetEvents(UV_READABLE);
    if (rc < 0) {
      Finish(ErrnoError(env_, -rc, "poll", "pid", pid_).Value(), ExitStatus{});
      return;
    }
    GetAddonData(env_)->watchedPids.insert(pid_);
    watching_ = true;
  }

 protected:
  void OnEvents(int status, int events) override {
    if (status < 0) {
      Finish(ErrnoError(env_, -status, "poll", "pid", pid_).Value(), ExitStatus{});
      return;
    }
    siginfo_t si = {};
    int rc;
    do {
      rc = waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(fd()), &si, WEXITED | WNOHANG);
    } while (rc < 0 && errno == EINTR);
    if (rc < 0) {
      // ECHILD: it exited but is not our child, so its status cannot be collected.
      Finish(ErrnoError(env_, errno, "waitid", "pid", pid_).Value(), ExitStatus{});
      return;
    }
    if (si.si_pid == 0) return;  // not exited yet
    ExitStatus st;
    if (si.si_code == CLD_EXITED) {
      st.exitCode = si.si_status;
    } else {
      st.signal = si.si_status;
      st.coreDumped = si.si_code == CLD_DUMPED;
    }
    Finish(env_.Null(), st);
  }

  void ReleaseCallbacks() override {
    Unwatch();
    onExit_.Reset();
  }

 private:
  void Unwatch() {
    if (!watching_) return;
    auto& watched = GetAddonData(env_)->watchedPids;
    auto it = watched.find(pid_);
    if (it != watched.end()) watched.erase(it);
    watching_ = false;
  }

  // One-shot: a reaped pidfd stays readable forever, so polling stops before calling JS.
  void Finish(napi_value error, const ExitStatus& st) {
    SetEvents(0);
    Unwatch();
    Napi::FunctionReference cb = std::move(onExit_);
    Invoke(cb, {error, StatusObject(env_, pid_, st)});
  }

  int pid_;
  bool watching_ = false;
  Napi::FunctionReference onExit_;
};

Napi::Function Pidfd::Init(Napi::Env env) {
  return DefineClass(env, "Pidfd",
                     {
                         InstanceMethod("watchExit", &Pidfd::WatchExit),
                         InstanceMethod("sendSignal", &Pidfd::SendSignal),
                         InstanceMethod("close", &Pidfd::Close),
                         InstanceAccessor("pid", &Pidfd::GetPid, nullptr),
                     });
}

Pidfd::Pidfd(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Pidfd>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber() || info[0].As<Napi::Number>().Int32Value() <= 0) {
    throw Napi::TypeError::New(env, "pid must be a positive number");
  }
  pid_ = info[0].As<Napi::Number>().Int32Value();
  long fd = syscall(SYS_pidfd_open, pid_, 0);
  if (fd < 0) throw ErrnoError(env, errno, "pidfd_open", "pid", pid_);
  core_ = new Core(env, static_cast<int>(fd), pid_, this);
}

Pidfd::~Pidfd() {
  if (core_ != nullptr) core_->ReleaseFromWrapper();
}

Pidfd::Core* Pidfd::Live(const Napi::CallbackInfo& info, const char* syscall) {
  if (core_ == nullptr || core_->closed()) throw ErrnoError(info.Env(), EBADF, syscall, "pid", pid_);
  return core_;
}

// watchExit(cb(err, {pid, exitCode, signal, coreDumped})): reaps the process when it exits.
void Pidfd::WatchExit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsFunction()) {
    throw Napi::TypeError::New(env, "callback must be a function");
  }
  Live(info, "waitid")->Watch(Napi::Persistent(info[0].As<Napi::Function>()));
}

void Pidfd::SendSignal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) {
    throw Napi::TypeError::New(env, "signal must be a number");
  }
  int sig = info[0].As<Napi::Number>().Int32Value();
  Core* core = Live(info, "pidfd_send_signal");
  if (syscall(SYS_pidfd_send_signal, core->fd(), sig, nullptr, 0) < 0) {
    throw ErrnoError(env, errno, "pidfd_send_signal", "pid", pid_);
  }
}

void Pidfd::Close(const Napi::CallbackInfo& info) {
  if (core_ != nullptr) core_->Close();
}

Napi::Value Pidfd::GetPid(const Napi::CallbackInfo& info) {
  return Napi::Number::New(info.Env(), pid_);
}

Napi::Value SetChildSubreaper(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  bool on = info.Length() < 1 || info[0].ToBoolean().Value();
  if (prctl(PR_SET_CHILD_SUBREAPER, on ? 1 : 0, 0, 0, 0) < 0) {
    throw ErrnoError(env, errno, "prctl");
  }
  return env.Undefined();
}

Napi::Value IsChildSubreaper(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int value = 0;
  if (prctl(PR_GET_CHILD_SUBREAPER, &value, 0, 0, 0) < 0) throw ErrnoError(env, errno, "prctl");
  return Napi::Boolean::New(env, value != 0);
}

// reapOrphans(excludePids): reaps zombie children that nobody watches. Live children are never
// touched, nor pids under a pidfd watch, nor the excluded ones (child_process children, whose
// status belongs to libuv).
Napi::Value ReapOrphans(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::set<int> exclude;
  if (info.Length() > 0 && info[0].IsArray()) {
    Napi::Array arr = info[0].As<Napi::Array>();
    for (uint32_t i = 0; i < arr.Length(); i++) {
      Napi::Value v = arr.Get(i);
      if (v.IsNumber()) exclude.insert(v.As<Napi::Number>().Int32Value());
    }
  }
  const auto& watched = GetAddonData(env)->watchedPids;
  Napi::Array reaped = Napi::Array::New(env);
  uint32_t n = 0;
  for (int pid : OwnChildren()) {
    if (exclude.count(pid) || watched.count(pid) || ProcState(pid) != 'Z') continue;
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) != pid) continue;
    ExitStatus st;
    if (WIFEXITED(status)) {
      st.exitCode = WEXITSTATUS(status);
    } else if (WIFSIGNALED(status)) {
      st.signal = WTERMSIG(status);
      st.coreDumped = WCOREDUMP(status);
    }
    reaped.Set(n++, StatusObject(env, pid, st));
  }
  return reaped;
}

}  // namespace ctrmon
