// AF_UNIX datagram plumbing shared by DgramSocket and NotifyRelay: addresses ('/path' or
// '@abstract') and receiving one datagram with its credentials, its real size and truncation
// flags, every passed fd closed at once.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>

#include <string>
#include <vector>

namespace ctrmon {

// Datagrams handled per poll callback before yielding to the rest of the loop.
constexpr int kMaxPerCallback = 256;

// A sockaddr_un for '/path' or '@abstract'. Paths longer than sun_path are reached through an
// O_PATH descriptor of their directory (/proc/self/fd/N/name), as conmon does.
class UnixAddress {
 public:
  UnixAddress() = default;
  UnixAddress(const UnixAddress&) = delete;
  UnixAddress& operator=(const UnixAddress&) = delete;
  ~UnixAddress();

  // Returns 0 or an errno value.
  int Resolve(const std::string& address);
  const struct sockaddr* get() const { return reinterpret_cast<const struct sockaddr*>(&sa_); }
  socklen_t length() const { return len_; }

 private:
  struct sockaddr_un sa_ = {};
  socklen_t len_ = 0;
  int dirfd_ = -1;
};

struct ReceivedDatagram {
  size_t size = 0;    // the datagram's real length
  size_t copied = 0;  // what is in the buffer
  int pid = 0, uid = -1, gid = -1;
  bool truncated = false;
  bool controlTruncated = false;
  int fds = 0;  // passed fds, all closed
};

class DatagramReader {
 public:
  // Room for bufferSize bytes and maxFds passed fds (more are discarded by the kernel, MSG_CTRUNC).
  void Configure(size_t bufferSize, size_t maxFds);
  // 1: a datagram was read into out and data(); 0: none is waiting; < 0: -errno.
  int Receive(int fd, ReceivedDatagram* out);
  const char* data() const { return buffer_.data(); }

 private:
  std::vector<char> buffer_;
  std::vector<char> control_;
};

// Binds fd with SO_PASSCRED (receivers report who sent); chmod's a path socket to mode (mode < 0:
// unchanged). Returns 0, or an errno value with *syscall naming the call that failed.
int BindDatagram(int fd, const std::string& address, int mode, const char** syscall);

}  // namespace ctrmon
