/* ctrmon-sdnotify: a static sd_notify(3) client for containers that have no libsystemd.
 *
 *   ctrmon-sdnotify [options] [MESSAGE...]
 *
 * The MESSAGEs (default "READY=1") are joined with '\n' into ONE datagram and sent to
 * $NOTIFY_SOCKET, an absolute path or "@name" for the abstract namespace.
 *
 * Options:
 *   --barrier      then send BARRIER=1 with the write end of a pipe and wait (at most 5 s) until the
 *                  receiver closes it; prints "barrier <milliseconds>" on stdout
 *   --flood N      send the datagram N times on a blocking socket whose send timeout is 1 s, giving
 *                  up at the first send that times out (a receiver that stalled); prints one JSON
 *                  line: sent, timeouts, errors, max_block_us, elapsed_us
 *   --size N       append "X_PAD=xxx..." so that the datagram is N bytes long
 *   --time         print when it was sent, as CLOCK_MONOTONIC nanoseconds: "sent <ns>" (the
 *                  host shares that clock with its containers, so a receiver can time the relay)
 *   -q             do not report the send on stderr
 *
 * Exit: 0 sent; 2 bad usage or NOTIFY_SOCKET; 3 send failed; 4 barrier timed out.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_MESSAGE 65536

static long long now_us(clockid_t clock) {
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static int parse_address(const char *value, struct sockaddr_un *sa, socklen_t *len) {
    if (value == NULL || (value[0] != '/' && value[0] != '@')) return -1;
    size_t n = strlen(value);
    if (n >= sizeof sa->sun_path) return -1;
    memset(sa, 0, sizeof *sa);
    sa->sun_family = AF_UNIX;
    memcpy(sa->sun_path, value, n);
    if (value[0] == '@') sa->sun_path[0] = '\0';
    /* An abstract name has no terminating NUL; a path may include it. */
    *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (value[0] == '/' ? 1 : 0));
    return 0;
}

static int barrier(int fd, const struct sockaddr_un *sa, socklen_t len) {
    int pipefd[2];
    if (pipe2(pipefd, O_CLOEXEC) < 0) return 3;
    char text[] = "BARRIER=1";
    struct iovec iov = {text, sizeof text - 1};
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    memset(&control, 0, sizeof control);
    struct msghdr msg = {0};
    msg.msg_name = (void *)sa;
    msg.msg_namelen = len;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control.buf;
    msg.msg_controllen = sizeof control.buf;
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pipefd[1], sizeof(int));
    long long t0 = now_us(CLOCK_MONOTONIC);
    if (sendmsg(fd, &msg, MSG_NOSIGNAL) < 0) {
        fprintf(stderr, "ctrmon-sdnotify: barrier: %s\n", strerror(errno));
        return 3;
    }
    close(pipefd[1]);
    struct pollfd p = {pipefd[0], 0, 0}; /* POLLHUP is always reported */
    int r = poll(&p, 1, 5000);
    long long elapsed = now_us(CLOCK_MONOTONIC) - t0;
    if (r <= 0) {
        fprintf(stderr, "ctrmon-sdnotify: barrier timed out after %lld ms\n", elapsed / 1000);
        return 4;
    }
    printf("barrier %.3f\n", elapsed / 1000.0);
    return 0;
}

static int flood(int fd, const char *msg, size_t n, const struct sockaddr_un *sa, socklen_t len,
                 long count) {
    struct timeval timeout = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    long sent = 0, timeouts = 0, errors = 0;
    long long max_block = 0, t0 = now_us(CLOCK_MONOTONIC);
    for (long i = 0; i < count; i++) {
        long long s = now_us(CLOCK_MONOTONIC);
        ssize_t r = sendto(fd, msg, n, MSG_NOSIGNAL, (const struct sockaddr *)sa, len);
        long long blocked = now_us(CLOCK_MONOTONIC) - s;
        if (blocked > max_block) max_block = blocked;
        if (r >= 0) {
            sent++;
        } else if (errno == EAGAIN || errno == EWOULDBLOCK) {
            timeouts++;
            break;
        } else {
            errors++;
        }
    }
    printf("{\"sent\":%ld,\"timeouts\":%ld,\"errors\":%ld,\"max_block_us\":%lld,\"elapsed_us\":%lld}\n",
           sent, timeouts, errors, max_block, now_us(CLOCK_MONOTONIC) - t0);
    return timeouts || errors ? 3 : 0;
}

int main(int argc, char **argv) {
    int quiet = 0, want_barrier = 0, want_time = 0;
    long flood_count = 0, size = 0;
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "-q") == 0) {
            quiet = 1;
        } else if (strcmp(argv[i], "--barrier") == 0) {
            want_barrier = 1;
        } else if (strcmp(argv[i], "--time") == 0) {
            want_time = 1;
        } else if (strcmp(argv[i], "--flood") == 0 && i + 1 < argc) {
            flood_count = strtol(argv[++i], NULL, 10);
        } else if (strcmp(argv[i], "--size") == 0 && i + 1 < argc) {
            size = strtol(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "ctrmon-sdnotify: unknown option '%s'\n", argv[i]);
            return 2;
        }
    }
    static char msg[MAX_MESSAGE];
    size_t n = 0;
    if (i >= argc) {
        n = (size_t)snprintf(msg, sizeof msg, "READY=1");
    }
    for (; i < argc; i++) {
        size_t l = strlen(argv[i]);
        if (n + l + 2 > sizeof msg) {
            fprintf(stderr, "ctrmon-sdnotify: message too long\n");
            return 2;
        }
        if (n) msg[n++] = '\n';
        memcpy(msg + n, argv[i], l);
        n += l;
    }
    if (size > 0) {
        const char pad[] = "\nX_PAD=";
        if ((size_t)size > sizeof msg || (size_t)size < n + sizeof pad - 1) {
            fprintf(stderr, "ctrmon-sdnotify: --size %ld does not fit\n", size);
            return 2;
        }
        memcpy(msg + n, pad, sizeof pad - 1);
        n += sizeof pad - 1;
        memset(msg + n, 'x', (size_t)size - n);
        n = (size_t)size;
    }

    const char *address = getenv("NOTIFY_SOCKET");
    struct sockaddr_un sa;
    socklen_t len;
    if (parse_address(address, &sa, &len) < 0) {
        fprintf(stderr, "ctrmon-sdnotify: NOTIFY_SOCKET is not set to an absolute path or @name\n");
        return 2;
    }
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("ctrmon-sdnotify: socket");
        return 3;
    }
    if (flood_count > 0) return flood(fd, msg, n, &sa, len, flood_count);

    struct timespec sent_at;
    clock_gettime(CLOCK_MONOTONIC, &sent_at);
    if (sendto(fd, msg, n, MSG_NOSIGNAL, (struct sockaddr *)&sa, len) < 0) {
        fprintf(stderr, "ctrmon-sdnotify: sendto %s: %s\n", address, strerror(errno));
        return 3;
    }
    if (want_time) printf("sent %lld%09ld\n", (long long)sent_at.tv_sec, sent_at.tv_nsec);
    if (!quiet) fprintf(stderr, "ctrmon-sdnotify: sent %zu bytes to %s\n", n, address);
    int rc = want_barrier ? barrier(fd, &sa, len) : 0;
    fflush(stdout);
    return rc;
}
