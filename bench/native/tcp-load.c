/*
 * The two ends of bench:daemon's TCP traffic, cheap enough for thousands of
 * connections a second in an emulated VM (a Node server or client there
 * would cost the daemons under test more CPU than they use themselves).
 *
 *   tcp-load sink PORT
 *     Accepts on 0.0.0.0:PORT (every address routed to `lo` in the
 *     namespace, AnyIP), writes one byte and closes each connection:
 *     TCP_CHECK's connections and the client's requests alike. SIGUSR1
 *     prints the connections accepted so far ("accepted N").
 *
 *   tcp-load client PAUSE_MS ADDR PORT...
 *     One request at a time, to the ports in turn: connect, read the
 *     sink's byte, close; each step within 1 s. Until SIGTERM, then prints
 *     "ok N failed N" and the first failures' reasons.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t report_now;
static volatile sig_atomic_t stop_now;

static void on_report(int sig) { (void)sig; report_now = 1; }
static void on_stop(int sig) { (void)sig; stop_now = 1; }

/* Installs `fn` for `sig` without SA_RESTART: a blocked accept() or connect() returns EINTR. */
static void handle(int sig, void (*fn)(int)) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = fn;
  sigaction(sig, &sa, NULL);
}

static int sink(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_in addr = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = htonl(INADDR_ANY) };
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) || listen(fd, 4096)) {
    perror("tcp-load sink");
    return 1;
  }
  handle(SIGUSR1, on_report);
  signal(SIGPIPE, SIG_IGN);
  printf("listening %d\n", port);
  fflush(stdout);
  unsigned long accepted = 0;
  for (;;) {
    if (report_now) {
      report_now = 0;
      printf("accepted %lu\n", accepted);
      fflush(stdout);
    }
    int c = accept(fd, NULL, NULL);
    if (c < 0) continue;
    accepted++;
    /* A checker that already closed makes this fail: nothing to do about it. */
    (void)!write(c, "x", 1);
    close(c);
  }
}

/* One request: connect within 1 s, read one byte within 1 s. Returns NULL or why it failed. */
static const char *request(const struct sockaddr_in *to) {
  static char why[64];
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct timeval limit = { .tv_sec = 1 };
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
  const char *failed = NULL;
  char byte;
  if (connect(fd, (const struct sockaddr *)to, sizeof *to)) {
    snprintf(why, sizeof why, "connect %s", strerror(errno));
    failed = why;
  } else {
    ssize_t n = read(fd, &byte, 1);
    if (n != 1) {
      snprintf(why, sizeof why, "read %s", n == 0 ? "EOF" : strerror(errno));
      failed = why;
    }
  }
  close(fd);
  return failed;
}

static int client(int pause_ms, const char *address, int nports, char **ports) {
  handle(SIGTERM, on_stop);
  handle(SIGINT, on_stop);
  printf("started\n");
  fflush(stdout);
  unsigned long ok = 0, failed = 0;
  struct timespec pause = { .tv_sec = pause_ms / 1000, .tv_nsec = (pause_ms % 1000) * 1000000L };
  for (int i = 0; !stop_now; i = (i + 1) % nports) {
    struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(atoi(ports[i])) };
    inet_pton(AF_INET, address, &to.sin_addr);
    const char *why = request(&to);
    if (stop_now) break; /* a request cut short by the signal counts for neither */
    if (!why) ok++;
    else if (++failed <= 20) printf("failure port %s: %s\n", ports[i], why);
    if (pause_ms) nanosleep(&pause, NULL);
  }
  printf("ok %lu failed %lu\n", ok, failed);
  return 0;
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc == 3 && !strcmp(argv[1], "sink")) return sink(atoi(argv[2]));
  if (argc >= 5 && !strcmp(argv[1], "client")) return client(atoi(argv[2]), argv[3], argc - 4, argv + 4);
  fprintf(stderr, "usage: tcp-load sink PORT | tcp-load client PAUSE_MS ADDR PORT...\n");
  return 2;
}
