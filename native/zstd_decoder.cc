#include "zstd_decoder.h"

#include <string>

namespace ctrmon {

Napi::Function ZstdDecoder::Init(Napi::Env env) {
  return DefineClass(env, "ZstdDecoder", {InstanceMethod("decompress", &ZstdDecoder::Decompress)});
}

ZstdDecoder::ZstdDecoder(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ZstdDecoder>(info) {
  ctx_ = ZSTD_createDCtx();
  if (ctx_ == nullptr) throw Napi::Error::New(info.Env(), "zstd: cannot allocate a decompression context");
}

ZstdDecoder::~ZstdDecoder() { ZSTD_freeDCtx(ctx_); }

Napi::Value ZstdDecoder::Decompress(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsBuffer() || !info[1].IsNumber()) throw Napi::TypeError::New(env, "decompress(input, offset)");
  auto input = info[0].As<Napi::Buffer<uint8_t>>();
  size_t offset = static_cast<size_t>(info[1].As<Napi::Number>().Int64Value());
  if (offset > input.Length()) throw Napi::RangeError::New(env, "offset past the end of input");

  size_t cap = ZSTD_DStreamOutSize();
  auto output = Napi::Buffer<uint8_t>::New(env, cap);
  ZSTD_inBuffer in = {input.Data(), input.Length(), offset};
  ZSTD_outBuffer out = {output.Data(), cap, 0};
  size_t ret = ZSTD_decompressStream(ctx_, &out, &in);
  if (ZSTD_isError(ret)) {
    Napi::Error error = Napi::Error::New(env, std::string("zstd: ") + ZSTD_getErrorName(ret));
    error.Value().Set("code", "ERR_ZSTD");
    throw error;
  }
  // A call that neither consumes nor produces anything leaves the frame state as it was: at a frame
  // boundary zstd already answers with the next frame's header hint, which is not an open frame.
  if (in.pos != offset || out.pos != 0) frameOpen_ = ret != 0;
  Napi::Array result = Napi::Array::New(env, 4);
  result.Set(0u, out.pos == cap ? output : Napi::Buffer<uint8_t>::Copy(env, output.Data(), out.pos));
  result.Set(1u, Napi::Number::New(env, static_cast<double>(in.pos)));
  result.Set(2u, Napi::Boolean::New(env, frameOpen_));
  result.Set(3u, Napi::Boolean::New(env, out.pos == cap));
  return result;
}

}  // namespace ctrmon
