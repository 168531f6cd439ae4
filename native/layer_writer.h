// LayerWriter: JavaScript's handle on a LayerApplier running on a thread of its own.
//
// Why a dedicated thread and not AsyncWorker batches: applying a layer is a long series of small
// blocking syscalls (open, write, chown, setxattr...), and three layers are applied at once during
// a pull. On the libuv pool they would hold three of its four threads for seconds, starving the
// fs, DNS and zlib work the same pull needs; a thread per layer keeps the pool free and lets the
// applier keep working while JavaScript decompresses the next chunk.
//
// JS pushes uncompressed tar chunks into a bounded queue (copied, so JS may reuse its buffers):
// push() returns false once 2 MiB are queued, and onDrain() fires when the thread has brought it
// back under 512 KiB. onDone(err | null, entries, bytes) fires once: after end() and a complete
// archive, or at the first failure (later pushes are ignored). close() stops the thread and joins
// it (at most one chunk's work); the caller then deletes the directory.
#pragma once

#include <napi.h>

namespace ctrmon {

class LayerWriter : public Napi::ObjectWrap<LayerWriter> {
 public:
  static Napi::Function Init(Napi::Env env);
  // new LayerWriter(dir, maxEntries, maxBytes, sync, onDrain(), onDone(err, entries, bytes))
  explicit LayerWriter(const Napi::CallbackInfo& info);
  ~LayerWriter() override;

 private:
  class Core;

  Napi::Value Push(const Napi::CallbackInfo& info);
  void End(const Napi::CallbackInfo& info);
  void Close(const Napi::CallbackInfo& info);

  Core* core_ = nullptr;
};

}  // namespace ctrmon
