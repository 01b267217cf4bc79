/* bench_floor_live: the live-capture floor. Opens an interface through libpcap
 * (promiscuous, TPACKET_V3 ring of --buffer-mb MiB: libpcap 1.10 uses V3 unless
 * immediate mode is asked for) and only counts packets and bytes until SIGINT,
 * SIGTERM or --duration: no reader of a live interface through libpcap keeps up
 * with more, so bench/live.sh reports `mieruka capture` as a ratio of this.
 *   bench_floor_live IFACE [--buffer-mb N] [--snaplen N] [--duration S] [--immediate]
 * Prints "ready" on stderr once the capture is active and, at the end, on stdout:
 *   "<packets> <captured bytes> <ps_recv> <ps_drop> <ps_ifdrop>" */
#include <pcap/pcap.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static volatile sig_atomic_t stop_requested = 0;
static pcap_t* live = NULL;

static void on_signal(int sig) {
  (void)sig;
  stop_requested = 1;
  if (live != NULL) pcap_breakloop(live);  /* wakes a poll() that is waiting */
}

struct counts {
  unsigned long long packets, bytes;
};

static void count(u_char* user, const struct pcap_pkthdr* h, const u_char* data) {
  struct counts* c = (struct counts*)user;
  (void)data;
  ++c->packets;
  c->bytes += h->caplen;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char** argv) {
  const char* iface = NULL;
  int buffer_mb = 64, snaplen = 65535, immediate = 0;
  double duration = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--buffer-mb") == 0 && i + 1 < argc) buffer_mb = atoi(argv[++i]);
    else if (strcmp(argv[i], "--snaplen") == 0 && i + 1 < argc) snaplen = atoi(argv[++i]);
    else if (strcmp(argv[i], "--duration") == 0 && i + 1 < argc) duration = atof(argv[++i]);
    else if (strcmp(argv[i], "--immediate") == 0) immediate = 1;
    else if (argv[i][0] != '-' && iface == NULL) iface = argv[i];
    else {
      fprintf(stderr, "bench_floor_live: unknown argument %s\n", argv[i]);
      return 2;
    }
  }
  if (iface == NULL || buffer_mb < 1 || snaplen < 64) {
    fprintf(stderr,
            "usage: bench_floor_live IFACE [--buffer-mb N] [--snaplen N] [--duration S] [--immediate]\n");
    return 2;
  }
  char err[PCAP_ERRBUF_SIZE];
  pcap_t* p = pcap_create(iface, err);
  if (p == NULL) {
    fprintf(stderr, "bench_floor_live: %s: %s\n", iface, err);
    return 1;
  }
  pcap_set_snaplen(p, snaplen);
  pcap_set_promisc(p, 1);
  pcap_set_immediate_mode(p, immediate);
  pcap_set_timeout(p, 100);
  pcap_set_buffer_size(p, buffer_mb * 1024 * 1024);
  if (pcap_activate(p) < 0) {
    fprintf(stderr, "bench_floor_live: %s: %s\n", iface, pcap_geterr(p));
    pcap_close(p);
    return 1;
  }
  live = p;
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;  /* no SA_RESTART: the poll in pcap_dispatch returns */
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  fprintf(stderr, "ready\n");
  struct counts c = {0, 0};
  const double t0 = now_s();
  while (!stop_requested) {
    if (pcap_dispatch(p, 512, count, (u_char*)&c) == PCAP_ERROR) break;
    if (duration > 0 && now_s() - t0 >= duration) break;
  }
  struct pcap_stat st;
  memset(&st, 0, sizeof st);
  if (pcap_stats(p, &st) != 0) fprintf(stderr, "bench_floor_live: %s\n", pcap_geterr(p));
  printf("%llu %llu %u %u %u\n", c.packets, c.bytes, st.ps_recv, st.ps_drop, st.ps_ifdrop);
  pcap_close(p);
  return 0;
}
