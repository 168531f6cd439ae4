// Per-environment state of the addon: every live native handle is registered here so that the
// environment's cleanup hook can close it (worker teardown, process exit).
#pragma once

#include <napi.h>

#include <set>

namespace ctrmon {

class Closable {
 public:
  virtual ~Closable() = default;
  // Stops polling and closes the fd without calling into JS.
  virtual void Close() = 0;
};

struct AddonData {
  std::set<Closable*> live;
  // Pids with an active pidfd exit watch; orphan reaping never touches them.
  std::multiset<int> watchedPids;
};

AddonData* GetAddonData(Napi::Env env);

}  // namespace ctrmon
