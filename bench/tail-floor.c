// bench/tail-floor.c: the loopback floor of one round trip's latency distribution, not just its
// mean. ../shared/tools/tcp-floor reports a mean; issue 10 also sets a goal for p99.9 at QD1, and a
// tail needs a floor of its own to be read against.
//
// One request in flight at a time on one loopback TCP connection: a client thread pinned to one
// CPU sends REQ bytes and spins until RESP bytes are back; a server thread pinned to another
// spins until a request is in and answers it. Both spin on non-blocking sockets (no thread ever
// sleeps in the kernel, as with nvmf_tgt and spdk_nvme_perf), nothing is parsed or stored, and
// every round trip is timed with CLOCK_MONOTONIC. What is left is the kernel's TCP on loopback
// and the machine itself: timer ticks, the hypervisor taking a vCPU away.
//
//   tail-floor REQ_BYTES RESP_BYTES SECONDS SERVER_CPU CLIENT_CPU [WARMUP_SECONDS]
//
// prints one line:
//   req=.. resp=.. ops=.. ops_per_s=.. mean_us=.. p50_us=.. p99_us=.. p999_us=.. max_us=..
// Percentiles are by nearest rank over every measured round trip.
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static size_t req_bytes, resp_bytes;
static int server_cpu, listener;

static void die(const char *what) {
  perror(what);
  exit(1);
}

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

static void pin(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  if (pthread_setaffinity_np(pthread_self(), sizeof set, &set) != 0) {
    fprintf(stderr, "tail-floor: cannot pin to CPU %d\n", cpu);
    exit(1);
  }
}

static void tune(int fd) {
  int one = 1;
  if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) != 0) die("TCP_NODELAY");
}

// Spins until exactly n bytes are in; returns 0 when the peer has closed.
static int take(int fd, char *buf, size_t n) {
  size_t got = 0;
  while (got < n) {
    ssize_t r = recv(fd, buf + got, n - got, MSG_DONTWAIT);
    if (r > 0) {
      got += (size_t)r;
    } else if (r == 0) {
      return 0;
    } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      die("recv");
    }
  }
  return 1;
}

// Spins until all n bytes are handed to the kernel.
static void give(int fd, const char *buf, size_t n) {
  size_t sent = 0;
  while (sent < n) {
    ssize_t w = send(fd, buf + sent, n - sent, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (w > 0) {
      sent += (size_t)w;
    } else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      die("send");
    }
  }
}

static void *serve(void *unused) {
  (void)unused;
  pin(server_cpu);
  int fd = accept(listener, NULL, NULL);
  if (fd < 0) die("accept");
  tune(fd);
  char *in = calloc(1, req_bytes), *out = calloc(1, resp_bytes);
  if (!in || !out) die("calloc");
  while (take(fd, in, req_bytes)) give(fd, out, resp_bytes);
  close(fd);
  return NULL;
}

static int by_value(const void *a, const void *b) {
  uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
  return (x > y) - (x < y);
}

// Nearest rank: the smallest sample with at least p of all samples at or below it.
static double rank_us(const uint32_t *sorted, size_t n, double p) {
  size_t k = (size_t)(p * (double)n + 0.999999);
  if (k < 1) k = 1;
  if (k > n) k = n;
  return sorted[k - 1] / 1000.0;
}

int main(int argc, char **argv) {
  if (argc < 6) {
    fprintf(stderr,
            "usage: tail-floor REQ_BYTES RESP_BYTES SECONDS SERVER_CPU CLIENT_CPU "
            "[WARMUP_SECONDS]\n");
    return 2;
  }
  req_bytes = strtoul(argv[1], NULL, 10);
  resp_bytes = strtoul(argv[2], NULL, 10);
  double seconds = atof(argv[3]), warmup = argc > 6 ? atof(argv[6]) : 1;
  server_cpu = atoi(argv[4]);
  int client_cpu = atoi(argv[5]);
  if (req_bytes == 0 || resp_bytes == 0 || seconds <= 0 || warmup < 0) {
    fprintf(stderr, "tail-floor: sizes and seconds must be above zero\n");
    return 2;
  }

  listener = socket(AF_INET, SOCK_STREAM, 0);
  if (listener < 0) die("socket");
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
  socklen_t len = sizeof addr;
  if (bind(listener, (struct sockaddr *)&addr, sizeof addr) != 0) die("bind");
  if (listen(listener, 1) != 0) die("listen");
  if (getsockname(listener, (struct sockaddr *)&addr, &len) != 0) die("getsockname");
  pthread_t server;
  if (pthread_create(&server, NULL, serve, NULL) != 0) die("pthread_create");

  pin(client_cpu);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) != 0) die("connect");
  tune(fd);
  char *out = calloc(1, req_bytes), *in = calloc(1, resp_bytes);
  // Room for a million round trips a second, the measured part only.
  size_t cap = (size_t)(seconds * 1e6) + 1, n = 0;
  uint32_t *lat = malloc(cap * sizeof *lat);
  if (!out || !in || !lat) die("malloc");

  uint64_t start = now_ns(), measure_from = start + (uint64_t)(warmup * 1e9);
  uint64_t end = measure_from + (uint64_t)(seconds * 1e9), t0 = start, sum = 0, max = 0;
  while (t0 < end) {
    give(fd, out, req_bytes);
    if (!take(fd, in, resp_bytes)) {
      fprintf(stderr, "tail-floor: the server closed early\n");
      return 1;
    }
    uint64_t t1 = now_ns();
    if (t0 >= measure_from && n < cap) {
      uint64_t d = t1 - t0;
      lat[n++] = d > UINT32_MAX ? UINT32_MAX : (uint32_t)d;
      sum += d;
      if (d > max) max = d;
    }
    t0 = t1;
  }
  shutdown(fd, SHUT_WR);
  pthread_join(server, NULL);
  if (n == 0) {
    fprintf(stderr, "tail-floor: no round trip measured\n");
    return 1;
  }
  qsort(lat, n, sizeof *lat, by_value);
  printf("req=%zu resp=%zu ops=%zu ops_per_s=%.0f mean_us=%.2f p50_us=%.2f p99_us=%.2f "
         "p999_us=%.2f max_us=%.2f\n",
         req_bytes, resp_bytes, n, n / seconds, sum / 1000.0 / n, rank_us(lat, n, 0.50),
         rank_us(lat, n, 0.99), rank_us(lat, n, 0.999), max / 1000.0);
  return 0;
}
