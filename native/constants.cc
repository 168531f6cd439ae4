#include "constants.h"

namespace ctrmon {

Napi::Object ExportConstants(Napi::Env env) {
  Napi::Object c = Napi::Object::New(env);
  c.Set("notifyMaxBytes", static_cast<double>(kNotifyMaxBytes));
  c.Set("maxFds", static_cast<double>(kMaxFds));
  Napi::Object socketFlags = Napi::Object::New(env);
  socketFlags.Set("truncated", kFlagTruncated);
  socketFlags.Set("controlTruncated", kFlagControlTruncated);
  c.Set("socketFlags", socketFlags);
  Napi::Object relayFlags = Napi::Object::New(env);
  relayFlags.Set("stateChange", kRelayStateChange);
  relayFlags.Set("unsent", kRelayUnsent);
  c.Set("relayFlags", relayFlags);
  Napi::Object drops = Napi::Object::New(env);
  drops.Set("oversize", kDropOversize);
  drops.Set("controlTruncated", kDropControlTruncated);
  drops.Set("nulByte", kDropNulByte);
  c.Set("dropReasons", drops);
  Napi::Array changes = Napi::Array::New(env);
  uint32_t i = 0;
  for (const char* line : kStateChanges) changes.Set(i++, line);
  c.Set("stateChanges", changes);
  return c;
}

}  // namespace ctrmon
