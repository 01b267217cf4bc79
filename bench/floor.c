/* bench_floor: the libpcap floor. Reads capture files with pcap_next_ex and only
 * counts packets and bytes: nothing that reads a capture through libpcap can be
 * faster, so run.sh reports every tool as a ratio of this.
 *   bench_floor FILE...   prints "<packets> <captured bytes>" */
#include <pcap/pcap.h>
#include <stdio.h>

int main(int argc, char** argv) {
  char err[PCAP_ERRBUF_SIZE];
  unsigned long long packets = 0, bytes = 0;
  if (argc < 2) {
    fprintf(stderr, "usage: bench_floor FILE...\n");
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    pcap_t* p = pcap_open_offline(argv[i], err);
    if (p == NULL) {
      fprintf(stderr, "bench_floor: %s: %s\n", argv[i], err);
      return 1;
    }
    struct pcap_pkthdr* h;
    const unsigned char* data;
    while (pcap_next_ex(p, &h, &data) == 1) {
      ++packets;
      bytes += h->caplen;
    }
    pcap_close(p);
  }
  printf("%llu %llu\n", packets, bytes);
  return 0;
}
