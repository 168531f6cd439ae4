// TarReader: a streaming tar parser (ustar, GNU long names 'L'/'K', PAX local headers, base-256
// numbers), fed with arbitrary chunks of an uncompressed archive and reporting entries to a sink.
// It is our own because npm tar and tar-stream both lose what OCI layers carry (binary PAX xattrs,
// devices, PAX uid/gid/mtime): see shared/reference/oci-images.md §5.4-5.5. Names are kept as raw
// bytes; PAX xattr values are never decoded. Errors are thrown as LayerFailure (layer_failure.h).
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <utility>
#include <vector>

namespace ctrmon {

enum class TarType { kFile, kHardLink, kSymlink, kCharDevice, kBlockDevice, kDirectory, kFifo };

struct TarEntry {
  std::string name;      // as in the archive (PAX path, GNU long name or prefix/name)
  std::string linkname;  // symlink target (verbatim) or hard-link target
  TarType type = TarType::kFile;
  uint32_t mode = 0;  // permission bits incl. setuid/setgid/sticky
  int64_t uid = 0;
  int64_t gid = 0;
  int64_t size = 0;
  int64_t mtimeSec = 0;
  long mtimeNsec = 0;
  uint32_t devMajor = 0;
  uint32_t devMinor = 0;
  std::vector<std::pair<std::string, std::string>> xattrs;  // SCHILY.xattr.<name> -> raw bytes
};

class TarSink {
 public:
  virtual ~TarSink() = default;
  virtual void OnEntry(const TarEntry& entry) = 0;
  // The entry's data, in order; only called for regular files.
  virtual void OnData(const uint8_t* data, size_t len) = 0;
  virtual void OnEntryEnd() = 0;
};

class TarReader {
 public:
  // Bounds the size of one PAX header or GNU long name, so a crafted header cannot exhaust memory.
  static constexpr size_t kMaxMetaBytes = 1 << 20;

  explicit TarReader(TarSink* sink) : sink_(sink) {}

  void Feed(const uint8_t* data, size_t len);
  // The input has ended: throws unless the archive was complete.
  void Finish();
  bool ended() const { return state_ == State::kEnded; }

 private:
  enum class State { kHeader, kMeta, kData, kPadding, kEnded };
  enum class MetaKind { kPax, kPaxGlobal, kLongName, kLongLink };

  void OnHeader(const uint8_t* block);
  void OnMetaComplete();
  void ApplyPax(const std::string& records);
  void BeginData(State state, int64_t size);

  TarSink* sink_;
  State state_ = State::kHeader;
  uint8_t block_[512];
  size_t blockFill_ = 0;
  int64_t remaining_ = 0;  // data bytes left in the current entry or meta header
  int64_t padding_ = 0;    // padding bytes after it
  bool emitting_ = false;  // the current data belongs to an entry given to the sink
  MetaKind metaKind_ = MetaKind::kPax;
  std::string meta_;
  // Pending overrides for the next real entry.
  bool hasPaxPath_ = false, hasPaxLink_ = false, hasPaxSize_ = false, hasPaxUid_ = false, hasPaxGid_ = false,
       hasPaxMtime_ = false;
  std::string paxPath_, paxLink_, longName_, longLink_;
  bool hasLongName_ = false, hasLongLink_ = false;
  int64_t paxSize_ = 0, paxUid_ = 0, paxGid_ = 0, paxMtimeSec_ = 0;
  long paxMtimeNsec_ = 0;
  std::vector<std::pair<std::string, std::string>> paxXattrs_;
};

}  // namespace ctrmon
