#include "errors.h"

#include <string.h>
#include <uv.h>

#include <cctype>

namespace ctrmon {

namespace {

// libuv names the errors Node knows; glibc names the rest (libuv 1.46 has no ECHILD).
std::string CodeAndDescription(int err, std::string* description) {
  char buf[64];
  const char* uvName = uv_err_name_r(-err, buf, sizeof buf);
  if (strncmp(uvName, "Unknown", 7) != 0) {
    *description = uv_strerror(-err);
    return uvName;
  }
  const char* name = strerrorname_np(err);
  *description = strerror(err);
  if (!description->empty()) (*description)[0] = static_cast<char>(tolower((*description)[0]));
  return name != nullptr ? name : "E" + std::to_string(err);
}

Napi::Error Build(Napi::Env env, int err, const char* syscall, const std::string& suffix) {
  std::string description;
  std::string code = CodeAndDescription(err, &description);
  std::string message = code + ": " + description + ", " + syscall + suffix;
  Napi::Error error = Napi::Error::New(env, message);
  Napi::Object obj = error.Value();
  obj.Set("code", Napi::String::New(env, code));
  obj.Set("errno", Napi::Number::New(env, -err));
  obj.Set("syscall", Napi::String::New(env, syscall));
  return error;
}

}  // namespace

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall) {
  return Build(env, err, syscall, "");
}

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const char* key,
                       const std::string& value) {
  Napi::Error error = Build(env, err, syscall, " '" + value + "'");
  error.Value().Set(key, Napi::String::New(env, value));
  return error;
}

Napi::Error ErrnoError(Napi::Env env, int err, const char* syscall, const char* key, int value) {
  Napi::Error error = Build(env, err, syscall, " " + std::to_string(value));
  error.Value().Set(key, Napi::Number::New(env, value));
  return error;
}

}  // namespace ctrmon
