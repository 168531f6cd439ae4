#include "layer_applier.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "layer_failure.h"

namespace ctrmon {

namespace {

constexpr size_t kMaxNameBytes = 4096;
constexpr const char* kOpaqueXattr = "trusted.overlay.opaque";

[[noreturn]] void Fail(LayerFailureKind kind, const std::string& entry, const std::string& message) {
  throw LayerFailure{kind, message, entry};
}

[[noreturn]] void SystemFail(const std::string& entry, const char* syscall, int err) {
  throw LayerFailure{LayerFailureKind::kSystem, syscall, entry, err, syscall};
}

std::string ProcFd(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

void CloseFd(int* fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

// openat2 confined to dirfd: no symlinks at all (an entry is never written through one), no
// magic links, no mount crossing; RESOLVE_IN_ROOT on top, so even a kernel or logic slip resolves
// inside the layer. Returns the fd or -errno.
int OpenInRoot(int dirfd, const std::string& path, uint64_t flags) {
  struct open_how how = {};
  how.flags = flags | O_CLOEXEC;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  for (;;) {
    long fd = syscall(SYS_openat2, dirfd, path.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != EAGAIN && errno != EINTR) return -errno;
  }
}

std::string Join(const std::vector<std::string>& path, size_t count) {
  std::string joined;
  for (size_t i = 0; i < count; i++) {
    if (i > 0) joined += '/';
    joined += path[i];
  }
  return joined.empty() ? "." : joined;
}

// Removes base (a directory) and everything below it, through descriptors only.
void RemoveTree(int parent, const std::string& base, const std::string& entry) {
  int fd = openat(parent, base.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) SystemFail(entry, "openat", errno);
  DIR* dir = fdopendir(fd);
  if (dir == nullptr) {
    int err = errno;
    close(fd);
    SystemFail(entry, "fdopendir", err);
  }
  std::vector<std::pair<std::string, bool>> children;
  while (struct dirent* d = readdir(dir)) {
    std::string name = d->d_name;
    if (name == "." || name == "..") continue;
    bool isDir = d->d_type == DT_DIR;
    if (d->d_type == DT_UNKNOWN) {
      struct stat st;
      isDir = fstatat(fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode);
    }
    children.emplace_back(name, isDir);
  }
  for (const auto& [name, isDir] : children) {
    if (isDir) {
      RemoveTree(fd, name, entry);
    } else if (unlinkat(fd, name.c_str(), 0) != 0) {
      int err = errno;
      closedir(dir);
      SystemFail(entry, "unlinkat", err);
    }
  }
  closedir(dir);
  if (unlinkat(parent, base.c_str(), AT_REMOVEDIR) != 0) SystemFail(entry, "unlinkat", errno);
}

bool IsOverlayXattr(const std::string& name) {
  return name.compare(0, 16, "trusted.overlay.") == 0 || name.compare(0, 13, "user.overlay.") == 0;
}

}  // namespace

LayerApplier::LayerApplier(int rootFd, LayerLimits limits) : root_(rootFd), limits_(limits), reader_(this) {}

LayerApplier::~LayerApplier() { CloseCurrent(); }

void LayerApplier::CloseCurrent() {
  CloseFd(&fd_);
  CloseFd(&parent_);
  pending_ = false;
}

// Lexical check of an archive name: "./a//b/" -> [a, b]; '..' anywhere or a leading '/' is refused.
std::vector<std::string> LayerApplier::Components(const std::string& name, const std::string& entry) const {
  if (name.size() > kMaxNameBytes) Fail(LayerFailureKind::kInvalid, entry.substr(0, 256), "name longer than 4096 bytes");
  if (name[0] == '/') Fail(LayerFailureKind::kUnsafe, entry, "absolute path");
  if (name.find('\0') != std::string::npos) Fail(LayerFailureKind::kInvalid, entry, "NUL byte in name");
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= name.size()) {
    size_t slash = name.find('/', pos);
    if (slash == std::string::npos) slash = name.size();
    std::string part = name.substr(pos, slash - pos);
    if (part == "..") Fail(LayerFailureKind::kUnsafe, entry, "'..' path component");
    if (!part.empty() && part != ".") parts.push_back(std::move(part));
    pos = slash + 1;
  }
  return parts;
}

int LayerApplier::OpenDir(const std::vector<std::string>& path, size_t count, bool create, const std::string& entry) {
  int fd = OpenInRoot(root_, Join(path, count), O_PATH | O_DIRECTORY);
  if (fd >= 0) return fd;
  // Walk one component at a time, to tell what went wrong and to create missing parents.
  int cur = fcntl(root_, F_DUPFD_CLOEXEC, 0);
  if (cur < 0) SystemFail(entry, "fcntl", errno);
  for (size_t i = 0; i < count; i++) {
    const char* part = path[i].c_str();
    int next = OpenInRoot(cur, part, O_PATH | O_DIRECTORY);
    if (next == -ENOENT && create) {
      if (mkdirat(cur, part, 0755) != 0 && errno != EEXIST) {
        int err = errno;
        close(cur);
        SystemFail(entry, "mkdirat", err);
      }
      next = OpenInRoot(cur, part, O_PATH | O_DIRECTORY);
    }
    close(cur);
    if (next == -ELOOP) Fail(LayerFailureKind::kUnsafe, entry, "path through a symlink ('" + Join(path, i + 1) + "')");
    if (next == -EXDEV) Fail(LayerFailureKind::kUnsafe, entry, "path escapes the layer root");
    if (next == -ENOTDIR) Fail(LayerFailureKind::kInvalid, entry, "'" + Join(path, i + 1) + "' is not a directory");
    if (next == -ENOENT) Fail(LayerFailureKind::kInvalid, entry, "'" + Join(path, i + 1) + "' does not exist in this layer");
    if (next < 0) SystemFail(entry, "openat2", -next);
    cur = next;
  }
  return cur;
}

void LayerApplier::OnEntry(const TarEntry& e) {
  CloseCurrent();
  if (++stats_.entries > limits_.maxEntries) {
    Fail(LayerFailureKind::kLimit, e.name, "more than " + std::to_string(limits_.maxEntries) + " entries");
  }
  if (e.type == TarType::kFile) {
    stats_.bytes += static_cast<uint64_t>(e.size);
    if (stats_.bytes > limits_.maxBytes) Fail(LayerFailureKind::kLimit, e.name, "more than " + std::to_string(limits_.maxBytes) + " bytes");
  }
  entry_ = e;
  path_ = Components(e.name, e.name);

  if (path_.empty()) {  // "./": the layer root itself
    if (e.type != TarType::kDirectory) Fail(LayerFailureKind::kUnsafe, e.name, "replaces the layer root");
    parent_ = -1;
    pending_ = true;
    return;
  }
  const std::string& base = path_.back();
  parent_ = OpenDir(path_, path_.size() - 1, true, e.name);

  if (base.compare(0, 4, ".wh.") == 0) {
    Whiteout(e, parent_, base);
    return;
  }
  MakeRoom(e, parent_, base);

  const char* name = base.c_str();
  mode_t perm = 0600;
  switch (e.type) {
    case TarType::kDirectory: {
      struct stat st;
      if (fstatat(parent_, name, &st, AT_SYMLINK_NOFOLLOW) != 0 && mkdirat(parent_, name, 0700) != 0) SystemFail(e.name, "mkdirat", errno);
      break;
    }
    case TarType::kFile:
      fd_ = openat(parent_, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, perm);
      if (fd_ < 0) SystemFail(e.name, "openat", errno);
      break;
    case TarType::kSymlink:
      // Kept verbatim: an absolute target resolves in the container's root at run time.
      if (symlinkat(e.linkname.c_str(), parent_, name) != 0) SystemFail(e.name, "symlinkat", errno);
      break;
    case TarType::kHardLink: {
      std::vector<std::string> target = Components(e.linkname, e.name);
      if (target.empty()) Fail(LayerFailureKind::kUnsafe, e.name, "hard link to the layer root");
      int targetParent = OpenDir(target, target.size() - 1, false, e.name);
      int rc = linkat(targetParent, target.back().c_str(), parent_, name, 0);
      int err = errno;
      close(targetParent);
      if (rc != 0 && err == ENOENT) Fail(LayerFailureKind::kInvalid, e.name, "hard link target '" + e.linkname + "' is not in this layer");
      if (rc != 0) SystemFail(e.name, "linkat", err);
      // The target already carries the inode's metadata.
      CloseCurrent();
      return;
    }
    case TarType::kCharDevice:
    case TarType::kBlockDevice:
    case TarType::kFifo: {
      mode_t type = e.type == TarType::kCharDevice ? S_IFCHR : e.type == TarType::kBlockDevice ? S_IFBLK : S_IFIFO;
      if (mknodat(parent_, name, type | perm, makedev(e.devMajor, e.devMinor)) != 0) SystemFail(e.name, "mknodat", errno);
      break;
    }
  }
  pending_ = true;
}

// Overlay form of OCI whiteouts. A whiteout hides lower layers only: a same-named entry already
// written by this layer is kept.
void LayerApplier::Whiteout(const TarEntry& e, int parent, const std::string& base) {
  if (base == ".wh..wh..opq") {
    if (setxattr(ProcFd(parent).c_str(), kOpaqueXattr, "y", 1, 0) != 0) SystemFail(e.name, "setxattr", errno);
    CloseCurrent();
    return;
  }
  if (base.compare(0, 8, ".wh..wh.") == 0) {  // AUFS metadata (.wh..wh.plnk and others)
    CloseCurrent();
    return;
  }
  std::string hidden = base.substr(4);
  if (hidden.empty()) Fail(LayerFailureKind::kInvalid, e.name, "bare whiteout '.wh.'");
  if (hidden == "." || hidden == "..") Fail(LayerFailureKind::kUnsafe, e.name, "whiteout of '" + hidden + "'");
  if (mknodat(parent, hidden.c_str(), S_IFCHR, makedev(0, 0)) != 0) {
    if (errno != EEXIST) SystemFail(e.name, "mknodat", errno);
  } else if (fchownat(parent, hidden.c_str(), static_cast<uid_t>(e.uid), static_cast<gid_t>(e.gid), AT_SYMLINK_NOFOLLOW) != 0) {
    SystemFail(e.name, "fchownat", errno);
  }
  CloseCurrent();
}

// A later entry replaces an earlier one of the same name, except that two directories merge.
void LayerApplier::MakeRoom(const TarEntry& e, int parent, const std::string& base) {
  struct stat st;
  if (fstatat(parent, base.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) return;
    SystemFail(e.name, "fstatat", errno);
  }
  if (S_ISDIR(st.st_mode)) {
    if (e.type != TarType::kDirectory) RemoveTree(parent, base, e.name);
  } else if (unlinkat(parent, base.c_str(), 0) != 0) {
    SystemFail(e.name, "unlinkat", errno);
  }
}

void LayerApplier::OnData(const uint8_t* data, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd_, data, len);
    if (n < 0) {
      if (errno == EINTR) continue;
      SystemFail(entry_.name, "write", errno);
    }
    data += n;
    len -= static_cast<size_t>(n);
  }
}

void LayerApplier::OnEntryEnd() {
  if (pending_) ApplyMetadata();
  CloseCurrent();
}

// Order as containers/storage and containerd: owner, then mode (chown clears setuid bits), then
// xattrs (security.capability is cleared by chown and writes), then times. Directory times wait
// for Finish(), because writing their children changes them.
void LayerApplier::ApplyMetadata() {
  const TarEntry& e = entry_;
  uid_t uid = static_cast<uid_t>(e.uid);
  gid_t gid = static_cast<gid_t>(e.gid);
  struct timespec times[2] = {{e.mtimeSec, e.mtimeNsec}, {e.mtimeSec, e.mtimeNsec}};
  if (fd_ >= 0) {
    if (fchown(fd_, uid, gid) != 0) SystemFail(e.name, "fchown", errno);
    if (fchmod(fd_, e.mode) != 0) SystemFail(e.name, "fchmod", errno);
    SetXattrs(fd_);
    if (futimens(fd_, times) != 0) SystemFail(e.name, "futimens", errno);
    return;
  }

  // Everything else is reached through an O_PATH descriptor of the entry itself.
  int efd = parent_ < 0 ? fcntl(root_, F_DUPFD_CLOEXEC, 0) : openat(parent_, path_.back().c_str(), O_PATH | O_NOFOLLOW | O_CLOEXEC);
  if (efd < 0) SystemFail(e.name, "openat", errno);
  int rc = 0;
  const char* syscall = "";
  if (fchownat(efd, "", uid, gid, AT_EMPTY_PATH) != 0) {
    rc = errno;
    syscall = "fchownat";
  } else if (e.type != TarType::kSymlink && chmod(ProcFd(efd).c_str(), e.mode) != 0) {
    rc = errno;
    syscall = "chmod";
  }
  if (rc == 0) {
    try {
      SetXattrs(efd);
    } catch (...) {
      close(efd);
      throw;
    }
  }
  close(efd);
  if (rc != 0) SystemFail(e.name, syscall, rc);

  if (e.type == TarType::kDirectory) {
    dirs_.push_back({path_, times[1]});
  } else if (utimensat(parent_, path_.back().c_str(), times, AT_SYMLINK_NOFOLLOW) != 0) {
    SystemFail(e.name, "utimensat", errno);
  }
}

void LayerApplier::SetXattrs(int efd) {
  const TarEntry& e = entry_;
  bool symlink = e.type == TarType::kSymlink;
  for (const auto& [name, value] : e.xattrs) {
    // An image must not steer overlayfs (redirects, metacopy, opaque) with its own xattrs.
    if (IsOverlayXattr(name)) Fail(LayerFailureKind::kUnsafe, e.name, "overlayfs xattr '" + name + "'");
    // SELinux labels are the host's business (containers/storage skips them too).
    if (name == "security.selinux") continue;
    int rc;
    if (efd == fd_) {
      rc = fsetxattr(efd, name.c_str(), value.data(), value.size(), 0);
    } else if (symlink) {
      // The magic link names the in-root parent; the symlink itself is not followed.
      rc = lsetxattr((ProcFd(parent_) + "/" + path_.back()).c_str(), name.c_str(), value.data(), value.size(), 0);
    } else {
      rc = setxattr(ProcFd(efd).c_str(), name.c_str(), value.data(), value.size(), 0);
    }
    if (rc != 0) {
      std::string what = "setxattr " + name;
      throw LayerFailure{LayerFailureKind::kSystem, what, e.name, errno, "setxattr"};
    }
  }
}

LayerStats LayerApplier::Finish() {
  reader_.Finish();
  CloseCurrent();
  for (const DeferredDir& d : dirs_) {
    int fd = OpenInRoot(root_, Join(d.path, d.path.size()), O_PATH | O_DIRECTORY);
    if (fd < 0) continue;  // replaced or removed by a later entry
    struct timespec times[2] = {d.mtime, d.mtime};
    int rc = utimensat(AT_FDCWD, ProcFd(fd).c_str(), times, 0);
    int err = errno;
    close(fd);
    if (rc != 0) SystemFail(Join(d.path, d.path.size()), "utimensat", err);
  }
  return stats_;
}

}  // namespace ctrmon
