#include "notify_filter.h"

#include <string.h>

#include <algorithm>

#include "constants.h"

namespace ctrmon {

namespace {

const char* const kExact[] = {"READY=1", "RELOADING=1", "STOPPING=1", "WATCHDOG=1", "WATCHDOG=trigger"};
const char* const kPrefixes[] = {"STATUS=", "ERRNO=", "BUSERROR=", "MONOTONIC_USEC="};
const char kExtend[] = "EXTEND_TIMEOUT_USEC=";

bool Equals(const char* line, size_t n, const char* word) { return strlen(word) == n && memcmp(line, word, n) == 0; }

bool StartsWith(const char* line, size_t n, const char* prefix) {
  size_t p = strlen(prefix);
  return n >= p && memcmp(line, prefix, p) == 0;
}

void Keep(FilterResult* out, const char* line, size_t n) {
  if (!out->kept.empty()) out->kept.push_back('\n');
  out->kept.append(line, n);
}

}  // namespace

void FilterNotify(const char* data, size_t length, long long extendMaxUsec, bool wantDropped, FilterResult* out) {
  size_t start = 0;
  while (start < length) {
    size_t end = start;
    while (end < length && data[end] != '\n' && data[end] != '\r') end++;
    const char* line = data + start;
    size_t n = end - start;
    start = end + 1;
    if (n == 0) continue;
    bool kept = false;
    for (const char* word : kExact) kept = kept || Equals(line, n, word);
    for (const char* prefix : kPrefixes) kept = kept || StartsWith(line, n, prefix);
    for (const char* word : kStateChanges) out->stateChange = out->stateChange || Equals(line, n, word);
    if (kept) {
      Keep(out, line, n);
      continue;
    }
    size_t e = sizeof kExtend - 1;
    if (extendMaxUsec >= 0 && StartsWith(line, n, kExtend) && n > e &&
        std::all_of(line + e, line + n, [](char c) { return c >= '0' && c <= '9'; })) {
      unsigned long long usec = 0;
      bool overflow = n - e > 18;  // more digits than any cap: clamped anyway
      for (size_t i = e; i < n && !overflow; i++) usec = usec * 10 + static_cast<unsigned>(line[i] - '0');
      unsigned long long cap = static_cast<unsigned long long>(extendMaxUsec);
      std::string clamped = std::string(kExtend) + std::to_string(overflow || usec > cap ? cap : usec);
      Keep(out, clamped.data(), clamped.size());
      continue;
    }
    if (wantDropped) {
      const char* eq = static_cast<const char*>(memchr(line, '=', n));
      out->dropped.emplace_back(line, eq ? static_cast<size_t>(eq - line) : n);
    }
  }
}

Napi::Value FilterNotifyMessage(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsBuffer()) throw Napi::TypeError::New(env, "message must be a Buffer");
  Napi::Buffer<char> data = info[0].As<Napi::Buffer<char>>();
  long long extendMax = info.Length() > 1 && info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : -1;
  FilterResult result;
  FilterNotify(data.Data(), data.Length(), extendMax, true, &result);
  auto latin1 = [&](const std::string& s) {
    napi_value value;
    napi_create_string_latin1(env, s.data(), s.size(), &value);
    return Napi::Value(env, value);
  };
  Napi::Array kept = Napi::Array::New(env);
  uint32_t k = 0;
  size_t start = 0;
  while (!result.kept.empty() && start <= result.kept.size()) {
    size_t end = result.kept.find('\n', start);
    if (end == std::string::npos) end = result.kept.size();
    kept.Set(k++, latin1(result.kept.substr(start, end - start)));
    start = end + 1;
  }
  Napi::Array dropped = Napi::Array::New(env);
  for (uint32_t i = 0; i < result.dropped.size(); i++) dropped.Set(i, latin1(result.dropped[i]));
  Napi::Object out = Napi::Object::New(env);
  out.Set("kept", kept);
  out.Set("dropped", dropped);
  return out;
}

}  // namespace ctrmon
