// Module entry: exports only. Each concern lives in its own file.
#include <napi.h>

#include <vector>

#include "addon_data.h"
#include "constants.h"
#include "dgram_socket.h"
#include "file_lock.h"
#include "root_file.h"
#include "layer_writer.h"
#include "mount.h"
#include "notify_filter.h"
#include "notify_relay.h"
#include "process.h"
#include "zstd_decoder.h"

namespace ctrmon {

AddonData* GetAddonData(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

}  // namespace ctrmon

// Closes every live handle when the environment goes away (worker teardown, exit), while its
// loop still runs; the wrappers' finalizers come later and find them closed.
static void CloseAllHandles(ctrmon::AddonData* data) {
  std::vector<ctrmon::Closable*> live(data->live.begin(), data->live.end());
  for (ctrmon::Closable* c : live) c->Close();
}

static Napi::Object InitAddon(Napi::Env env, Napi::Object exports) {
  auto* data = new ctrmon::AddonData();
  env.SetInstanceData<ctrmon::AddonData>(data);
  env.AddCleanupHook(CloseAllHandles, data);

  exports.Set("constants", ctrmon::ExportConstants(env));
  exports.Set("DgramSocket", ctrmon::DgramSocket::Init(env));
  exports.Set("Pidfd", ctrmon::Pidfd::Init(env));
  exports.Set("NotifyRelay", ctrmon::NotifyRelay::Init(env));
  exports.Set("filterNotifyMessage", Napi::Function::New(env, ctrmon::FilterNotifyMessage, "filterNotifyMessage"));
  exports.Set("setChildSubreaper", Napi::Function::New(env, ctrmon::SetChildSubreaper, "setChildSubreaper"));
  exports.Set("isChildSubreaper", Napi::Function::New(env, ctrmon::IsChildSubreaper, "isChildSubreaper"));
  exports.Set("readFileInRoot", Napi::Function::New(env, ctrmon::ReadFileInRoot, "readFileInRoot"));
  exports.Set("lockFile", Napi::Function::New(env, ctrmon::LockFile, "lockFile"));
  exports.Set("unlockFile", Napi::Function::New(env, ctrmon::UnlockFile, "unlockFile"));
  exports.Set("reapOrphans", Napi::Function::New(env, ctrmon::ReapOrphans, "reapOrphans"));
  exports.Set("LayerWriter", ctrmon::LayerWriter::Init(env));
  exports.Set("ZstdDecoder", ctrmon::ZstdDecoder::Init(env));
  exports.Set("mountOverlay", Napi::Function::New(env, ctrmon::MountOverlay, "mountOverlay"));
  exports.Set("unmount", Napi::Function::New(env, ctrmon::Unmount, "unmount"));
  return exports;
}

NODE_API_MODULE(ctrmon_native, InitAddon)
