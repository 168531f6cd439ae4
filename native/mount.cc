#include "mount.h"

#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "errors.h"

namespace ctrmon {

namespace {

struct OverlayPaths {
  std::vector<std::string> lower;
  std::string upper;  // empty: read-only
  std::string work;
};

// index=off, as containers/storage mounts: with the index on, a lower dir shared by several
// containers' mounts is subject to overlayfs's exclusive-use checks.
std::string MountData(const OverlayPaths& p, size_t skip) {
  std::string data = "lowerdir=";
  for (size_t i = 0; i < p.lower.size(); i++) {
    if (i > 0) data += ':';
    data += p.lower[i].substr(skip);
  }
  if (!p.upper.empty()) data += ",upperdir=" + p.upper.substr(skip) + ",workdir=" + p.work.substr(skip);
  return data + ",index=off";
}

// The length of the longest directory prefix ("/a/b/") every path shares.
size_t CommonDirPrefix(const OverlayPaths& p) {
  std::vector<const std::string*> all;
  for (const std::string& l : p.lower) all.push_back(&l);
  if (!p.upper.empty()) {
    all.push_back(&p.upper);
    all.push_back(&p.work);
  }
  const std::string& first = *all[0];
  size_t len = first.size();
  for (const std::string* s : all) {
    size_t i = 0;
    while (i < len && i < s->size() && (*s)[i] == first[i]) i++;
    len = i;
  }
  size_t slash = first.rfind('/', len == 0 ? 0 : len - 1);
  return slash == std::string::npos ? 0 : slash + 1;
}

int MountOverlayData(const std::string& data, const std::string& target) {
  return mount("overlay", target.c_str(), "overlay", 0, data.c_str()) == 0 ? 0 : errno;
}

}  // namespace

Napi::Value MountOverlay(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 4 || !info[0].IsArray() || !info[3].IsString()) {
    throw Napi::TypeError::New(env, "mountOverlay(lowerDirs, upperDir | null, workDir | null, target)");
  }
  OverlayPaths p;
  Napi::Array lower = info[0].As<Napi::Array>();
  for (uint32_t i = 0; i < lower.Length(); i++) p.lower.push_back(lower.Get(i).As<Napi::String>().Utf8Value());
  if (info[1].IsString()) p.upper = info[1].As<Napi::String>().Utf8Value();
  if (info[2].IsString()) p.work = info[2].As<Napi::String>().Utf8Value();
  std::string target = info[3].As<Napi::String>().Utf8Value();
  if (p.lower.empty() || p.upper.empty() != p.work.empty() || target[0] != '/') throw ErrnoError(env, EINVAL, "mount", "path", target);
  // Absolute paths only: the long-data fallback below mounts from another working directory.
  std::vector<const std::string*> all = {&p.upper, &p.work};
  for (const std::string& l : p.lower) all.push_back(&l);
  for (const std::string* s : all) {
    bool optional = s == &p.upper || s == &p.work;
    if (optional && s->empty()) continue;
    if (s->empty() || (*s)[0] != '/' || s->find_first_of(",:\\") != std::string::npos) throw ErrnoError(env, EINVAL, "mount", "path", *s);
  }

  size_t limit = static_cast<size_t>(sysconf(_SC_PAGESIZE)) - 1;
  std::string data = MountData(p, 0);
  int err;
  if (data.size() <= limit) {
    err = MountOverlayData(data, target);
  } else {
    size_t skip = CommonDirPrefix(p);
    data = MountData(p, skip);
    if (skip == 0 || data.size() > limit) throw ErrnoError(env, E2BIG, "mount", "path", target);
    std::string dir = p.lower[0].substr(0, skip);
    // The working directory is per process unless the thread unshares it.
    std::thread t([&] {
      if (unshare(CLONE_FS) != 0) {
        err = errno;
      } else if (chdir(dir.c_str()) != 0) {
        err = errno;
      } else {
        err = MountOverlayData(data, target);
      }
    });
    t.join();
  }
  if (err != 0) throw ErrnoError(env, err, "mount", "path", target);
  return env.Undefined();
}

Napi::Value Unmount(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsString()) throw Napi::TypeError::New(env, "unmount(target, detach)");
  std::string target = info[0].As<Napi::String>().Utf8Value();
  int flags = UMOUNT_NOFOLLOW | (info.Length() > 1 && info[1].ToBoolean().Value() ? MNT_DETACH : 0);
  if (umount2(target.c_str(), flags) != 0) throw ErrnoError(env, errno, "umount2", "path", target);
  return env.Undefined();
}

}  // namespace ctrmon
