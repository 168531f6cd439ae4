// ZstdDecoder: streaming zstd decompression with Debian's libzstd (Node 20 has no zstd in zlib).
// Linked rather than a package (zstd-napi) or a spawned `zstd -dc`: one library the distribution
// keeps patched, no prebuilt download at install, no process per layer. Each decompress() call
// does one bounded step (at most ZSTD_DStreamOutSize() bytes of output, ~128 KiB, well under a
// millisecond), so a decompression bomb can neither block the event loop nor fill memory: the
// JavaScript side yields each piece under stream backpressure. Concatenated frames and skippable
// frames (zstd:chunked keeps its metadata in them) are handled by ZSTD_decompressStream itself;
// frames needing a window over libzstd's default limit (128 MiB) are refused.
#pragma once

#include <napi.h>
#include <zstd.h>

namespace ctrmon {

class ZstdDecoder : public Napi::ObjectWrap<ZstdDecoder> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit ZstdDecoder(const Napi::CallbackInfo& info);
  ~ZstdDecoder() override;

 private:
  // decompress(input, offset): [output, offset, frameOpen, outputFull]. frameOpen: a frame is
  // incomplete (input ending then means a truncated stream); outputFull: more may be buffered
  // inside zstd, so step again even with no input left.
  Napi::Value Decompress(const Napi::CallbackInfo& info);

  ZSTD_DCtx* ctx_ = nullptr;
  bool frameOpen_ = false;
};

}  // namespace ctrmon
