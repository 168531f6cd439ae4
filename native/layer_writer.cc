#include "layer_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <thread>

#include "errors.h"
#include "handle_core.h"
#include "layer_applier.h"
#include "layer_failure.h"

namespace ctrmon {

namespace {

constexpr size_t kHighWater = 2 << 20;
constexpr size_t kLowWater = 512 << 10;

}  // namespace

class LayerWriter::Core : public HandleCore {
 public:
  Core(Napi::Env env, Napi::Reference<Napi::Object>* owner, int rootFd, LayerLimits limits, bool sync, Napi::FunctionReference onDrain,
       Napi::FunctionReference onDone)
      : HandleCore(env, owner, "ctrmon:LayerWriter"),
        rootFd_(rootFd),
        sync_(sync),
        applier_(std::make_unique<LayerApplier>(rootFd, limits)),
        onDrain_(std::move(onDrain)),
        onDone_(std::move(onDone)) {
    uv_loop_t* loop = nullptr;
    napi_get_uv_event_loop(env, &loop);
    uv_async_init(loop, &async_, AsyncCallback);
    Adopt(reinterpret_cast<uv_handle_t*>(&async_));
    Pin(true);
    thread_ = std::thread([this] { Loop(); });
  }

  // Returns whether there is room for more.
  bool Push(const char* data, size_t len) {
    std::lock_guard<std::mutex> lock(mu_);
    if (ended_ || finished_) return true;  // after a failure the data has nowhere to go
    queue_.emplace_back(data, len);
    queued_ += len;
    cv_.notify_one();
    if (queued_ < kHighWater) return true;
    wantDrain_ = true;
    return false;
  }

  void End() {
    std::lock_guard<std::mutex> lock(mu_);
    ended_ = true;
    cv_.notify_one();
  }

 protected:
  void ReleaseResources() override {
    if (thread_.joinable()) {
      {
        std::lock_guard<std::mutex> lock(mu_);
        aborting_ = true;
        cv_.notify_one();
      }
      thread_.join();
    }
    applier_.reset();
    if (rootFd_ >= 0) close(rootFd_);
    rootFd_ = -1;
  }

  void ReleaseCallbacks() override {
    onDrain_.Reset();
    onDone_.Reset();
  }

 private:
  // --- the applier thread ---
  void Loop() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, nullptr);  // signals belong to the main thread
    try {
      for (;;) {
        std::string chunk;
        bool drained = false;
        {
          std::unique_lock<std::mutex> lock(mu_);
          cv_.wait(lock, [this] { return aborting_ || ended_ || !queue_.empty(); });
          if (aborting_) return;
          if (queue_.empty()) break;  // ended
          chunk = std::move(queue_.front());
          queue_.pop_front();
          queued_ -= chunk.size();
          if (wantDrain_ && queued_ <= kLowWater) {
            wantDrain_ = false;
            drainPending_ = true;
            drained = true;
          }
        }
        if (drained) uv_async_send(&async_);
        applier_->Feed(reinterpret_cast<const uint8_t*>(chunk.data()), chunk.size());
      }
      LayerStats stats = applier_->Finish();
      if (sync_) SyncFilesystem();
      Finish(stats, nullptr);
    } catch (const LayerFailure& f) {
      Finish({}, &f);
    } catch (const std::bad_alloc&) {
      LayerFailure f{LayerFailureKind::kSystem, "out of memory", "", ENOMEM, "malloc"};
      Finish({}, &f);
    }
  }

  void Finish(LayerStats stats, const LayerFailure* failure) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stats_ = stats;
      if (failure != nullptr) failure_ = std::make_unique<LayerFailure>(*failure);
      finished_ = true;
      queue_.clear();
      queued_ = 0;
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
    bool drain, finished;
    {
      std::lock_guard<std::mutex> lock(mu_);
      drain = drainPending_ && !finished_;
      drainPending_ = false;
      finished = finished_;
    }
    if (drain) Invoke(onDrain_, {});
    if (!finished || closed()) return;
    thread_.join();
    Napi::Value err = failure_ ? FailureValue(*failure_) : env_.Null();
    Invoke(onDone_, {err, Napi::Number::New(env_, static_cast<double>(stats_.entries)),
                     Napi::Number::New(env_, static_cast<double>(stats_.bytes))});
    Close();
  }

  Napi::Value FailureValue(const LayerFailure& f) {
    Napi::Error error = f.kind == LayerFailureKind::kSystem
                            ? (f.entry.empty() ? ErrnoError(env_, f.err, f.syscall) : ErrnoError(env_, f.err, f.syscall, "path", f.entry))
                            : Napi::Error::New(env_, f.message);
    Napi::Object obj = error.Value();
    obj.Set("kind", LayerFailureKindName(f.kind));
    obj.Set("entry", f.entry);
    obj.Set("reason", f.message);
    return obj;
  }

  // syncfs needs a real descriptor; the root is held as O_PATH.
  void SyncFilesystem() {
    int fd = openat(rootFd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) throw LayerFailure{LayerFailureKind::kSystem, "openat", "", errno, "openat"};
    int rc = syncfs(fd);
    int err = errno;
    close(fd);
    if (rc != 0) throw LayerFailure{LayerFailureKind::kSystem, "syncfs", "", err, "syncfs"};
  }

  int rootFd_;
  bool sync_;
  std::unique_ptr<LayerApplier> applier_;
  std::mutex mu_;
  std::condition_variable cv_;
  // Guarded by mu_.
  std::deque<std::string> queue_;
  size_t queued_ = 0;
  bool ended_ = false, aborting_ = false, finished_ = false, wantDrain_ = false, drainPending_ = false;
  LayerStats stats_;
  std::unique_ptr<LayerFailure> failure_;

  std::thread thread_;
  uv_async_t async_;
  Napi::FunctionReference onDrain_;
  Napi::FunctionReference onDone_;
};

Napi::Function LayerWriter::Init(Napi::Env env) {
  return DefineClass(env, "LayerWriter",
                     {
                         InstanceMethod("push", &LayerWriter::Push),
                         InstanceMethod("end", &LayerWriter::End),
                         InstanceMethod("close", &LayerWriter::Close),
                     });
}

LayerWriter::LayerWriter(const Napi::CallbackInfo& info) : Napi::ObjectWrap<LayerWriter>(info) {
  Napi::Env env = info.Env();
  if (info.Length() < 6 || !info[0].IsString() || !info[1].IsNumber() || !info[2].IsNumber() || !info[3].IsBoolean() ||
      !info[4].IsFunction() || !info[5].IsFunction()) {
    throw Napi::TypeError::New(env, "LayerWriter(dir, maxEntries, maxBytes, sync, onDrain, onDone)");
  }
  std::string dir = info[0].As<Napi::String>().Utf8Value();
  int fd = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) throw ErrnoError(env, errno, "open", "path", dir);
  LayerLimits limits{static_cast<uint64_t>(info[1].As<Napi::Number>().Int64Value()),
                     static_cast<uint64_t>(info[2].As<Napi::Number>().Int64Value())};
  core_ = new Core(env, this, fd, limits, info[3].As<Napi::Boolean>().Value(), Napi::Persistent(info[4].As<Napi::Function>()),
                   Napi::Persistent(info[5].As<Napi::Function>()));
}

LayerWriter::~LayerWriter() {
  if (core_ != nullptr) core_->ReleaseFromWrapper();
}

// push(chunk): boolean
Napi::Value LayerWriter::Push(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) throw Napi::TypeError::New(env, "chunk must be a Buffer");
  if (core_ == nullptr || core_->closed()) throw ErrnoError(env, EBADF, "write");
  auto chunk = info[0].As<Napi::Buffer<char>>();
  return Napi::Boolean::New(env, core_->Push(chunk.Data(), chunk.Length()));
}

void LayerWriter::End(const Napi::CallbackInfo& info) {
  if (core_ == nullptr || core_->closed()) throw ErrnoError(info.Env(), EBADF, "write");
  core_->End();
}

void LayerWriter::Close(const Napi::CallbackInfo& info) {
  if (core_ != nullptr) core_->Close();
}

}  // namespace ctrmon
