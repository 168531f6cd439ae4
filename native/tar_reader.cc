#include "tar_reader.h"

#include <string.h>

#include <algorithm>

#include "layer_failure.h"

namespace ctrmon {

namespace {

constexpr size_t kBlock = 512;

[[noreturn]] void Invalid(const std::string& message, const std::string& entry = "") {
  throw LayerFailure{LayerFailureKind::kInvalid, message, entry};
}

// A NUL-terminated (or full-width) string field.
std::string Field(const uint8_t* p, size_t width) {
  size_t n = 0;
  while (n < width && p[n] != 0) n++;
  return std::string(reinterpret_cast<const char*>(p), n);
}

// An octal field (leading spaces, terminated by NUL or space) or GNU base-256 (high bit set).
int64_t Number(const uint8_t* p, size_t width, const char* what) {
  if (p[0] & 0x80) {
    if (p[0] == 0xff) Invalid(std::string("negative base-256 ") + what + " in tar header");
    uint64_t v = p[0] & 0x7f;
    for (size_t i = 1; i < width; i++) {
      if (v >> 55) Invalid(std::string("base-256 ") + what + " out of range in tar header");
      v = (v << 8) | p[i];
    }
    return static_cast<int64_t>(v);
  }
  size_t i = 0;
  while (i < width && p[i] == ' ') i++;
  uint64_t v = 0;
  for (; i < width && p[i] >= '0' && p[i] <= '7'; i++) {
    if (v >> 60) Invalid(std::string("octal ") + what + " out of range in tar header");
    v = v * 8 + (p[i] - '0');
  }
  if (i < width && p[i] != 0 && p[i] != ' ') Invalid(std::string("bad octal ") + what + " in tar header");
  return static_cast<int64_t>(v);
}

bool ChecksumOk(const uint8_t* b) {
  int64_t stored = Number(b + 148, 8, "checksum");
  uint64_t sum = 0;
  int64_t signedSum = 0;
  for (size_t i = 0; i < kBlock; i++) {
    uint8_t c = (i >= 148 && i < 156) ? ' ' : b[i];
    sum += c;
    signedSum += static_cast<int8_t>(c);
  }
  return static_cast<int64_t>(sum) == stored || signedSum == stored;
}

bool IsZeroBlock(const uint8_t* b) {
  for (size_t i = 0; i < kBlock; i++) {
    if (b[i] != 0) return false;
  }
  return true;
}

int64_t Decimal(const std::string& s, const char* key) {
  if (s.empty() || s.size() > 18) Invalid(std::string("bad PAX ") + key + " '" + s + "'");
  int64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') Invalid(std::string("bad PAX ") + key + " '" + s + "'");
    v = v * 10 + (c - '0');
  }
  return v;
}

// PAX times: seconds with an optional fraction ("1700000000.123456789"); negative times are refused.
void PaxTime(const std::string& s, int64_t* sec, long* nsec) {
  size_t dot = s.find('.');
  *sec = Decimal(s.substr(0, dot), "mtime");
  *nsec = 0;
  if (dot == std::string::npos) return;
  std::string frac = s.substr(dot + 1, 9);
  for (char c : frac) {
    if (c < '0' || c > '9') Invalid("bad PAX mtime '" + s + "'");
  }
  frac.resize(9, '0');
  *nsec = static_cast<long>(Decimal(frac, "mtime"));
}

}  // namespace

void TarReader::Feed(const uint8_t* data, size_t len) {
  while (len > 0) {
    switch (state_) {
      case State::kEnded:
        return;  // trailing blocks (tar pads to its record size) are not part of the archive
      case State::kHeader: {
        size_t n = std::min(len, kBlock - blockFill_);
        memcpy(block_ + blockFill_, data, n);
        blockFill_ += n;
        data += n;
        len -= n;
        if (blockFill_ == kBlock) {
          blockFill_ = 0;
          OnHeader(block_);
        }
        break;
      }
      case State::kMeta:
      case State::kData: {
        size_t n = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(len), remaining_));
        if (state_ == State::kMeta) {
          meta_.append(reinterpret_cast<const char*>(data), n);
        } else if (emitting_ && n > 0) {
          sink_->OnData(data, n);
        }
        data += n;
        len -= n;
        remaining_ -= n;
        if (remaining_ == 0) {
          if (state_ == State::kMeta) {
            OnMetaComplete();
          } else if (emitting_) {
            emitting_ = false;
            sink_->OnEntryEnd();
          }
          state_ = padding_ > 0 ? State::kPadding : State::kHeader;
        }
        break;
      }
      case State::kPadding: {
        size_t n = static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(len), padding_));
        data += n;
        len -= n;
        padding_ -= n;
        if (padding_ == 0) state_ = State::kHeader;
        break;
      }
    }
  }
}

void TarReader::Finish() {
  // An archive cut before its end-of-archive block is accepted only at an entry boundary; GNU tar
  // does the same, and the diff_id check upstream catches truncation of a pulled layer anyway.
  if (state_ == State::kEnded || (state_ == State::kHeader && blockFill_ == 0)) {
    if (hasPaxPath_ || hasLongName_ || hasLongLink_ || hasPaxLink_) Invalid("tar archive ends after an extended header");
    state_ = State::kEnded;
    return;
  }
  Invalid("tar archive is truncated");
}

void TarReader::BeginData(State state, int64_t size) {
  remaining_ = size;
  padding_ = (kBlock - size % kBlock) % kBlock;
  state_ = size > 0 ? state : State::kHeader;
}

void TarReader::OnHeader(const uint8_t* b) {
  if (IsZeroBlock(b)) {
    state_ = State::kEnded;
    return;
  }
  if (!ChecksumOk(b)) Invalid("tar header checksum mismatch (not a tar archive, or corrupt)", Field(b, 100));
  char typeflag = static_cast<char>(b[156]);
  int64_t size = Number(b + 124, 12, "size");

  if (typeflag == 'x' || typeflag == 'g' || typeflag == 'L' || typeflag == 'K') {
    if (static_cast<uint64_t>(size) > kMaxMetaBytes) Invalid("extended tar header over 1 MiB", Field(b, 100));
    metaKind_ = typeflag == 'x'   ? MetaKind::kPax
                : typeflag == 'g' ? MetaKind::kPaxGlobal
                : typeflag == 'L' ? MetaKind::kLongName
                                  : MetaKind::kLongLink;
    meta_.clear();
    BeginData(State::kMeta, size);
    if (size == 0) OnMetaComplete();
    return;
  }

  TarEntry e;
  switch (typeflag) {
    case '0':
    case '\0':
    case '7':
      e.type = TarType::kFile;
      break;
    case '1':
      e.type = TarType::kHardLink;
      break;
    case '2':
      e.type = TarType::kSymlink;
      break;
    case '3':
      e.type = TarType::kCharDevice;
      break;
    case '4':
      e.type = TarType::kBlockDevice;
      break;
    case '5':
      e.type = TarType::kDirectory;
      break;
    case '6':
      e.type = TarType::kFifo;
      break;
    default: {
      std::string shown = typeflag >= 32 && typeflag < 127 ? std::string(1, typeflag) : std::to_string(typeflag);
      Invalid("unsupported tar entry type '" + shown + "'", Field(b, 100));
    }
  }

  bool posix = memcmp(b + 257, "ustar\0", 6) == 0;
  std::string name = Field(b, 100);
  // The prefix field exists only in POSIX ustar; GNU keeps atime/ctime there.
  if (posix && b[345] != 0) name = Field(b + 345, 155) + "/" + name;
  e.name = hasPaxPath_ ? paxPath_ : hasLongName_ ? longName_ : name;
  e.linkname = hasPaxLink_ ? paxLink_ : hasLongLink_ ? longLink_ : Field(b + 157, 100);
  e.mode = static_cast<uint32_t>(Number(b + 100, 8, "mode") & 07777);
  e.uid = hasPaxUid_ ? paxUid_ : Number(b + 108, 8, "uid");
  e.gid = hasPaxGid_ ? paxGid_ : Number(b + 116, 8, "gid");
  e.size = hasPaxSize_ ? paxSize_ : size;
  if (hasPaxMtime_) {
    e.mtimeSec = paxMtimeSec_;
    e.mtimeNsec = paxMtimeNsec_;
  } else {
    e.mtimeSec = Number(b + 136, 12, "mtime");
  }
  if (e.type == TarType::kCharDevice || e.type == TarType::kBlockDevice) {
    e.devMajor = static_cast<uint32_t>(Number(b + 329, 8, "devmajor"));
    e.devMinor = static_cast<uint32_t>(Number(b + 337, 8, "devminor"));
  }
  e.xattrs = std::move(paxXattrs_);
  paxXattrs_.clear();
  hasPaxPath_ = hasPaxLink_ = hasPaxSize_ = hasPaxUid_ = hasPaxGid_ = hasPaxMtime_ = false;
  hasLongName_ = hasLongLink_ = false;
  if (e.name.empty()) Invalid("tar entry with an empty name");

  sink_->OnEntry(e);
  BeginData(State::kData, e.size);
  // Only regular files carry data; anything else's bytes (a hard link with a size) are skipped.
  emitting_ = e.type == TarType::kFile && e.size > 0;
  if (!emitting_) sink_->OnEntryEnd();
}

void TarReader::OnMetaComplete() {
  std::string value = std::move(meta_);
  meta_.clear();
  switch (metaKind_) {
    case MetaKind::kPaxGlobal:
      break;  // global defaults: ignored, as containers/storage does
    case MetaKind::kPax:
      ApplyPax(value);
      break;
    case MetaKind::kLongName:
      longName_ = value.substr(0, value.find('\0'));
      hasLongName_ = true;
      break;
    case MetaKind::kLongLink:
      longLink_ = value.substr(0, value.find('\0'));
      hasLongLink_ = true;
      break;
  }
}

// Records are "<len> <key>=<value>\n", len counting the whole record; values are raw bytes.
void TarReader::ApplyPax(const std::string& records) {
  size_t pos = 0;
  while (pos < records.size()) {
    if (records[pos] == '\0') break;  // some writers pad with NULs
    size_t space = records.find(' ', pos);
    if (space == std::string::npos || space - pos > 10) Invalid("malformed PAX header");
    int64_t len = Decimal(records.substr(pos, space - pos), "record length");
    if (len <= 0 || pos + static_cast<size_t>(len) > records.size() || records[pos + len - 1] != '\n') Invalid("malformed PAX header");
    size_t eq = records.find('=', space + 1);
    if (eq == std::string::npos || eq >= pos + len) Invalid("malformed PAX header");
    std::string key = records.substr(space + 1, eq - space - 1);
    std::string value = records.substr(eq + 1, pos + len - 1 - (eq + 1));
    pos += len;

    if (key == "path") {
      paxPath_ = value;
      hasPaxPath_ = true;
    } else if (key == "linkpath") {
      paxLink_ = value;
      hasPaxLink_ = true;
    } else if (key == "size") {
      paxSize_ = Decimal(value, "size");
      hasPaxSize_ = true;
    } else if (key == "uid") {
      paxUid_ = Decimal(value, "uid");
      hasPaxUid_ = true;
    } else if (key == "gid") {
      paxGid_ = Decimal(value, "gid");
      hasPaxGid_ = true;
    } else if (key == "mtime") {
      PaxTime(value, &paxMtimeSec_, &paxMtimeNsec_);
      hasPaxMtime_ = true;
    } else if (key.compare(0, 13, "SCHILY.xattr.") == 0) {
      paxXattrs_.emplace_back(key.substr(13), value);
    } else if (key.compare(0, 11, "GNU.sparse.") == 0) {
      Invalid("sparse tar entries are not supported in image layers", hasPaxPath_ ? paxPath_ : "");
    }
    // Other keys (atime, ctime, charset, comments, vendor keys) do not change what is written.
  }
}

}  // namespace ctrmon
