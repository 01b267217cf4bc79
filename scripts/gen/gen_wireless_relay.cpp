// --- wireless_relay: who is on the air, and who the access point relays for ---------
// An 802.11 monitor capture (radiotap, no FCS) of line 2's cell:
//   - the allowed access point (BSSID 00:0c:29:aa:00:02, SSID LINE2-AGV) beacons;
//   - the AGV (a station) polls the wired PLC over Modbus/TCP through it: requests
//     go to the DS (ToDS: BSSID, SA = AGV, DA = PLC), replies come from it
//     (FromDS: DA = AGV, BSSID, SA = PLC), with an ARP reply from the PLC relayed
//     the same way;
//   - a wireless bridge pair links the HMI's wired segment: a 4-address WDS frame
//     (RA bridge 2, TA bridge 1, DA SCADA, SA HMI) carries the HMI's ICMP echo to
//     the SCADA server, both wired;
//   - a rogue access point beacons its own network and nothing else.
// 802.11-2020 §9.2.4.1 (frame control), §9.3.2.1 Table 9-30 (address fields by
// To DS / From DS), §9.3.3.2 (beacon); RFC 1042 LLC/SNAP encapsulation.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "scripts/gen/frames.hpp"
#include "scripts/gen/scenarios.hpp"

namespace mieruka::gen {
namespace {

Buf radiotap(const Buf& frame) {
  Buf b = {0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00};  // version, pad, length 8, present 0
  put_bytes(b, frame);
  return b;
}

// Frame control, duration, addr1-addr3, sequence control (and addr4 when given).
Buf wlan_header(std::uint8_t fc0, std::uint8_t fc1, const Mac& a1, const Mac& a2, const Mac& a3, std::uint16_t seq,
                const Mac* a4 = nullptr) {
  Buf b;
  put8(b, fc0);
  put8(b, fc1);
  put16le(b, 0);
  put_mac(b, a1);
  put_mac(b, a2);
  put_mac(b, a3);
  put16le(b, static_cast<std::uint32_t>(seq << 4));
  if (a4 != nullptr) put_mac(b, *a4);
  return b;
}

Buf beacon(const Mac& ap, std::string_view ssid, std::uint16_t seq) {
  Buf b = wlan_header(0x80, 0x00, kBroadcast, ap, ap, seq);
  put64le(b, 0x1000ULL * seq);  // timestamp
  put16le(b, 100);              // beacon interval
  put16le(b, 0x0411);           // capability: ESS, privacy, short slot
  put8(b, 0);
  put8(b, static_cast<std::uint32_t>(ssid.size()));
  put_str(b, ssid);
  return radiotap(b);
}

// Data frame (type 2 subtype 0) with an RFC 1042 header before `ethertype`'s payload.
Buf data(std::uint8_t fc1, const Mac& a1, const Mac& a2, const Mac& a3, std::uint16_t seq, std::uint16_t ethertype,
         const Buf& payload, const Mac* a4 = nullptr) {
  Buf b = wlan_header(0x08, fc1, a1, a2, a3, seq, a4);
  const Buf snap = {0xAA, 0xAA, 0x03, 0x00, 0x00, 0x00};
  put_bytes(b, snap);
  put16be(b, ethertype);
  put_bytes(b, payload);
  return radiotap(b);
}

constexpr std::uint8_t kToDs = 0x01, kFromDs = 0x02, kWds = 0x03;

Buf modbus_read(std::uint16_t tid, bool response) {
  Buf pdu = {0x03};
  if (response) {
    put8(pdu, 2);
    put16be(pdu, 0x0042);
  } else {
    put16be(pdu, 10);  // starting address
    put16be(pdu, 1);   // quantity
  }
  return modbus_adu(tid, 1, pdu);
}

Buf icmp_echo(std::uint16_t seq) {
  Buf b = {0x08, 0x00, 0x00, 0x00, 0x00, 0x01};
  put16be(b, seq);
  put_str(b, "mieruka-ping");
  const std::uint16_t c = inet_checksum(b.data(), b.size());
  b[2] = static_cast<std::uint8_t>(c >> 8);
  b[3] = static_cast<std::uint8_t>(c);
  return b;
}

int write_wireless_relay(const std::string& out) {
  CaptureWriter w(out, true, 127);  // LINKTYPE_IEEE802_11_RADIOTAP
  if (cannot_write(w, out)) return 1;
  std::int64_t ts = 1764576000LL * 1000000;  // 2025-12-01T08:00:00Z
  const Mac ap = mac("00:0c:29:aa:00:02");
  const Mac rogue_ap = mac("02:11:22:33:44:66");
  const Mac bridge1 = mac("02:0b:00:00:00:b1");
  const Mac bridge2 = mac("02:0b:00:00:00:b2");
  const Host agv{mac("00:1b:1b:02:9a:c4"), ip4("10.60.1.50")};
  const Host plc{mac("00:80:f4:60:00:20"), ip4("10.60.1.20")};
  const Host scada{mac("00:15:5d:60:00:10"), ip4("10.60.1.10")};
  const Host hmi{mac("00:0e:c6:60:00:30"), ip4("10.60.1.30")};
  std::uint16_t seq = 1;
  for (int i = 0; i < 3; ++i) {
    w.write(ts, beacon(ap, "LINE2-AGV", seq++));
    ts += 102'400;
    w.write(ts, beacon(rogue_ap, "Maint-Router", seq++));
    ts += 102'400;
  }
  // The PLC answers the AGV's ARP request; the reply reaches the air from the DS.
  w.write(ts, data(kFromDs, agv.mac, ap, plc.mac, seq++, 0x0806, arp(2, plc.mac, plc.ip, agv.mac, agv.ip)));
  ts += 1000;
  {  // Modbus/TCP: the AGV (client, on the air) and the PLC (server, wired)
    const std::uint16_t cport = 49500;
    std::uint32_t cseq = 100, sseq = 9000;
    auto to_plc = [&](std::uint8_t flags, const Buf& payload) {
      const Buf seg = tcp(agv.ip, plc.ip, cport, 502, cseq, (flags & tcpf::ack) ? sseq : 0, flags, payload);
      w.write(ts, data(kToDs, ap, agv.mac, plc.mac, seq++, 0x0800, ipv4(agv.ip, plc.ip, 6, seg)));
      ts += 300;
    };
    auto to_agv = [&](std::uint8_t flags, const Buf& payload) {
      const Buf seg = tcp(plc.ip, agv.ip, 502, cport, sseq, cseq, flags, payload);
      w.write(ts, data(kFromDs, agv.mac, ap, plc.mac, seq++, 0x0800, ipv4(plc.ip, agv.ip, 6, seg)));
      ts += 300;
    };
    to_plc(tcpf::syn, {});
    cseq += 1;
    to_agv(tcpf::syn | tcpf::ack, {});
    sseq += 1;
    to_plc(tcpf::ack, {});
    for (std::uint16_t tid = 1; tid <= 2; ++tid) {
      const Buf req = modbus_read(tid, false), resp = modbus_read(tid, true);
      to_plc(tcpf::psh | tcpf::ack, req);
      cseq += static_cast<std::uint32_t>(req.size());
      to_agv(tcpf::psh | tcpf::ack, resp);
      sseq += static_cast<std::uint32_t>(resp.size());
    }
  }
  // The bridge pair carries the HMI's echo request to the SCADA server.
  const Buf echo = ipv4(hmi.ip, scada.ip, 1, icmp_echo(1));
  w.write(ts, data(kWds, bridge2, bridge1, scada.mac, seq++, 0x0800, echo, &hmi.mac));
  ts += 1000;
  return wrote(w, out);
}

}  // namespace

const Scenario kWirelessRelay{"wireless_relay", write_wireless_relay};

}  // namespace mieruka::gen
