/* ctrmon-hello: a static socket-activated server for the demo container, the tests and the benchmark.
 *
 * It serves the listening sockets systemd passed (sd_listen_fds(3): LISTEN_PID must be this
 * process, LISTEN_FDS of them from fd 3, named by LISTEN_FDNAMES): each connection it accepts gets
 * one line, "hello from <hostname> on fd <n> (<name>)\n", and is closed. Once it has its sockets it
 * says READY=1 on $NOTIFY_SOCKET, if there is one. It never opens a socket of its own.
 *
 * Exit: 0 on SIGTERM; 3 when it was given no sockets (LISTEN_* missing or not for this pid).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define FIRST_FD 3
#define MAX_FDS 64

static volatile sig_atomic_t stopping = 0;

static void on_term(int sig) {
    (void)sig;
    stopping = 1;
}

static void notify(const char *message) {
    const char *path = getenv("NOTIFY_SOCKET");
    if (path == NULL || path[0] == '\0') return;
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    size_t len = strlen(path);
    if (len >= sizeof(addr.sun_path)) return;
    memcpy(addr.sun_path, path, len);
    if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return;
    sendto(fd, message, strlen(message), MSG_NOSIGNAL, (struct sockaddr *)&addr, offsetof(struct sockaddr_un, sun_path) + len);
    close(fd);
}

int main(void) {
    const char *pid_text = getenv("LISTEN_PID");
    const char *fds_text = getenv("LISTEN_FDS");
    if (pid_text == NULL || fds_text == NULL || atol(pid_text) != (long)getpid()) {
        fprintf(stderr, "ctrmon-hello: no sockets were passed (LISTEN_PID=%s LISTEN_FDS=%s, pid %ld)\n", pid_text ? pid_text : "unset",
                fds_text ? fds_text : "unset", (long)getpid());
        return 3;
    }
    int count = atoi(fds_text);
    if (count < 1 || count > MAX_FDS) {
        fprintf(stderr, "ctrmon-hello: LISTEN_FDS=%s is not a number of sockets\n", fds_text);
        return 3;
    }
    char *names[MAX_FDS] = {0};
    char *names_text = getenv("LISTEN_FDNAMES") ? strdup(getenv("LISTEN_FDNAMES")) : NULL;
    for (int i = 0; i < count && names_text != NULL; i++) names[i] = strsep(&names_text, ":");
    char host[256] = "?";
    gethostname(host, sizeof(host) - 1);

    struct sigaction sa = {.sa_handler = on_term};
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);

    struct pollfd polls[MAX_FDS];
    for (int i = 0; i < count; i++) polls[i] = (struct pollfd){.fd = FIRST_FD + i, .events = POLLIN};
    fprintf(stderr, "ctrmon-hello: serving %d socket(s)\n", count);
    char status[128];
    snprintf(status, sizeof(status), "READY=1\nSTATUS=serving %d socket(s)", count);
    notify(status);
    while (!stopping) {
        if (poll(polls, (nfds_t)count, -1) < 0) {
            if (errno == EINTR) continue;
            perror("ctrmon-hello: poll");
            return 1;
        }
        for (int i = 0; i < count; i++) {
            if (!(polls[i].revents & POLLIN)) continue;
            int conn = accept4(polls[i].fd, NULL, NULL, SOCK_CLOEXEC);
            if (conn < 0) continue;
            char line[512];
            int n = snprintf(line, sizeof(line), "hello from %s on fd %d (%s)\n", host, polls[i].fd, names[i] ? names[i] : "unknown");
            if (write(conn, line, (size_t)n) < 0) perror("ctrmon-hello: write");
            close(conn);
        }
    }
    return 0;
}
