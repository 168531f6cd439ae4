#include "datagram_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

namespace ctrmon {

UnixAddress::~UnixAddress() {
  if (dirfd_ >= 0) close(dirfd_);
}

int UnixAddress::Resolve(const std::string& address) {
  memset(&sa_, 0, sizeof sa_);
  sa_.sun_family = AF_UNIX;
  if (address.empty() || address.find('\0') != std::string::npos) return EINVAL;
  if (address[0] == '@') {
    std::string name = address.substr(1);
    if (name.size() > sizeof sa_.sun_path - 1) return ENAMETOOLONG;
    memcpy(sa_.sun_path + 1, name.data(), name.size());
    len_ = offsetof(struct sockaddr_un, sun_path) + 1 + name.size();
    return 0;
  }
  std::string path = address;
  if (path.size() >= sizeof sa_.sun_path) {
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
    if (dir.empty()) dir = "/";
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    dirfd_ = open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (dirfd_ < 0) return errno;
    path = "/proc/self/fd/" + std::to_string(dirfd_) + "/" + base;
    if (path.size() >= sizeof sa_.sun_path) return ENAMETOOLONG;
  }
  memcpy(sa_.sun_path, path.data(), path.size());
  len_ = offsetof(struct sockaddr_un, sun_path) + path.size() + 1;
  return 0;
}

void DatagramReader::Configure(size_t bufferSize, size_t maxFds) {
  buffer_.resize(bufferSize);
  control_.resize(CMSG_SPACE(sizeof(struct ucred)) + (maxFds ? CMSG_SPACE(sizeof(int) * maxFds) : 0));
}

int DatagramReader::Receive(int fd, ReceivedDatagram* out) {
  struct iovec iov = {buffer_.data(), buffer_.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control_.data();
  msg.msg_controllen = control_.size();
  ssize_t n;
  do {
    n = recvmsg(fd, &msg, MSG_DONTWAIT | MSG_TRUNC | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
  *out = ReceivedDatagram();
  for (struct cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET) continue;
    if (c->cmsg_type == SCM_CREDENTIALS && c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
      struct ucred cred;
      memcpy(&cred, CMSG_DATA(c), sizeof cred);
      out->pid = cred.pid;
      out->uid = static_cast<int>(cred.uid);
      out->gid = static_cast<int>(cred.gid);
    } else if (c->cmsg_type == SCM_RIGHTS) {
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t k = 0; k < count; k++) {
        int received;
        memcpy(&received, CMSG_DATA(c) + k * sizeof(int), sizeof received);
        close(received);
        out->fds++;
      }
    }
  }
  out->size = static_cast<size_t>(n);
  out->copied = out->size < buffer_.size() ? out->size : buffer_.size();
  out->truncated = (msg.msg_flags & MSG_TRUNC) != 0;
  out->controlTruncated = (msg.msg_flags & MSG_CTRUNC) != 0;
  return 1;
}

int BindDatagram(int fd, const std::string& address, int mode, const char** syscall) {
  UnixAddress addr;
  int on = 1;
  *syscall = "bind";
  int err = addr.Resolve(address);
  if (err != 0) return err;
  *syscall = "setsockopt";
  if (setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &on, sizeof on) < 0) return errno;
  *syscall = "bind";
  if (bind(fd, addr.get(), addr.length()) < 0) return errno;
  *syscall = "chmod";
  if (address[0] != '@' && mode >= 0 && chmod(address.c_str(), static_cast<mode_t>(mode)) < 0) return errno;
  return 0;
}

}  // namespace ctrmon
