#include "root_file.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "errors.h"

namespace ctrmon {

namespace {

int OpenInRoot(int rootfd, const std::string& path) {
  struct open_how how = {};
  how.flags = O_RDONLY | O_CLOEXEC | O_NOCTTY;
  how.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS;
  for (;;) {
    long fd = syscall(SYS_openat2, rootfd, path.c_str(), &how, sizeof how);
    if (fd >= 0) return static_cast<int>(fd);
    if (errno != EAGAIN && errno != EINTR) return -errno;
  }
}

}  // namespace

Napi::Value ReadFileInRoot(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsString() || !info[1].IsString() || !info[2].IsNumber()) {
    throw Napi::TypeError::New(env, "readFileInRoot(root, path, maxBytes)");
  }
  std::string root = info[0].As<Napi::String>().Utf8Value();
  std::string path = info[1].As<Napi::String>().Utf8Value();
  size_t maxBytes = static_cast<size_t>(info[2].As<Napi::Number>().Int64Value());
  int rootfd = open(root.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
  if (rootfd < 0) throw ErrnoError(env, errno, "open", "path", root);
  int fd = OpenInRoot(rootfd, path);
  close(rootfd);
  if (fd == -ENOENT || fd == -ENOTDIR) return env.Null();
  if (fd < 0) throw ErrnoError(env, -fd, "openat2", "path", root + path);
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return env.Null();  // a directory, device or fifo is no passwd file
  }
  std::vector<char> data;
  char buf[16384];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      close(fd);
      throw ErrnoError(env, err, "read", "path", root + path);
    }
    if (n == 0) break;
    if (data.size() + static_cast<size_t>(n) > maxBytes) {
      close(fd);
      throw ErrnoError(env, EFBIG, "read", "path", root + path);
    }
    data.insert(data.end(), buf, buf + n);
  }
  close(fd);
  return Napi::Buffer<char>::Copy(env, data.data(), data.size());
}

}  // namespace ctrmon
