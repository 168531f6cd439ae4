// LayerApplier: writes one OCI layer (an uncompressed tar stream) into an empty directory that
// becomes an overlayfs lower dir, in overlay whiteout form (.wh.x -> char device 0/0 named x;
// .wh..wh..opq -> trusted.overlay.opaque=y on its directory).
//
// Safety: every write happens inside the layer root. The parent of each entry is opened with
// openat2(RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV), and the
// entry itself is made with *at calls on its basename (mkdirat, openat O_EXCL|O_NOFOLLOW,
// symlinkat, linkat, mknodat, fchownat AT_SYMLINK_NOFOLLOW, utimensat AT_SYMLINK_NOFOLLOW). No
// path built from the archive ever reaches a path-based call. Entries with '..' components or
// absolute names, entries under a symlink, hard links whose target escapes, and xattrs that would
// steer overlayfs (trusted.overlay.*) are refused as unsafe. The caller deletes the directory on any
// failure.
#pragma once

#include <stdint.h>
#include <time.h>

#include <string>
#include <vector>

#include "tar_reader.h"

namespace ctrmon {

struct LayerLimits {
  uint64_t maxEntries;
  uint64_t maxBytes;  // total size of regular-file data
};

struct LayerStats {
  uint64_t entries = 0;
  uint64_t bytes = 0;
};

class LayerApplier : public TarSink {
 public:
  // rootFd: an O_PATH or O_RDONLY descriptor of the (empty) layer directory; the caller keeps it.
  LayerApplier(int rootFd, LayerLimits limits);
  ~LayerApplier() override;
  LayerApplier(const LayerApplier&) = delete;
  LayerApplier& operator=(const LayerApplier&) = delete;

  void Feed(const uint8_t* data, size_t len) { reader_.Feed(data, len); }
  // The archive is complete: sets directory times (after all their children were written).
  LayerStats Finish();

  void OnEntry(const TarEntry& entry) override;
  void OnData(const uint8_t* data, size_t len) override;
  void OnEntryEnd() override;

 private:
  struct DeferredDir {
    std::vector<std::string> path;
    struct timespec mtime;
  };

  std::vector<std::string> Components(const std::string& name, const std::string& entry) const;
  // The directory made of the first `count` components, as an O_PATH fd; missing ones are created
  // (0755, root) when create is set.
  int OpenDir(const std::vector<std::string>& path, size_t count, bool create, const std::string& entry);
  void Whiteout(const TarEntry& e, int parent, const std::string& base);
  void MakeRoom(const TarEntry& e, int parent, const std::string& base);
  void ApplyMetadata();
  void SetXattrs(int efd);
  void CloseCurrent();

  int root_;
  LayerLimits limits_;
  LayerStats stats_;
  TarReader reader_;
  std::vector<DeferredDir> dirs_;

  // The entry being written.
  TarEntry entry_;
  std::vector<std::string> path_;
  int parent_ = -1;
  int fd_ = -1;  // regular files: the data fd
  bool pending_ = false;  // metadata still to apply at OnEntryEnd
};

}  // namespace ctrmon
