// Scenario "ident_descriptions": identity that only the descriptions and the
// DHCP server state. A SIMATIC S7-1500 CPU announces LLDP with the bridge
// capability of its two switch ports and its order number and firmware in the
// system description; an Ewon Flexy announces LLDP; a Teltonika RUT955 and a
// Hirschmann RSPE answer an SNMP manager's GetRequest for sysDescr and sysName;
// a DHCP server ACKs one client with its reserved host name and OFFERs another
// a host name and an address the client never takes.
#include <cstdio>
#include <string>
#include <string_view>
#include <tuple>

#include "frames.hpp"
#include "scenarios.hpp"

namespace {

using namespace mieruka::gen;

// One LLDP TLV (IEEE 802.1AB-2016 §8.4.1): 7-bit type, 9-bit length.
Buf tlv(std::uint32_t type, const Buf& value) {
  Buf b;
  b.reserve(2 + value.size());
  put16be(b, (type << 9) | static_cast<std::uint32_t>(value.size()));
  put_bytes(b, value);
  return b;
}
Buf tlv_str(std::uint32_t type, std::string_view s) {
  Buf v;
  put_str(v, s);
  return tlv(type, v);
}

// An LLDPDU (§8.2): chassis MAC, locally assigned port id, TTL 120 s, system
// name and description, capabilities, IPv4 management address, end.
Buf lldpdu(const Host& h, std::string_view name, std::string_view descr, std::uint16_t caps, std::uint16_t enabled) {
  Buf chassis;
  put8(chassis, 4);  // subtype 4: MAC address
  put_mac(chassis, h.mac);
  Buf p;
  put_bytes(p, tlv(1, chassis));
  put_bytes(p, tlv_str(2, std::string("\x07") + "P1"));
  put_bytes(p, tlv(3, Buf{0x00, 0x78}));
  put_bytes(p, tlv_str(5, name));
  put_bytes(p, tlv_str(6, descr));
  Buf c;
  put16be(c, caps);
  put16be(c, enabled);
  put_bytes(p, tlv(7, c));
  Buf mgmt;
  put8(mgmt, 5);  // address string length 5
  put8(mgmt, 1);  // family IPv4
  put32be(mgmt, h.ip);
  put_bytes(mgmt, Buf{2, 0, 0, 0, 1, 0});  // ifIndex subtype, interface 1, no OID
  put_bytes(p, tlv(8, mgmt));
  put_bytes(p, tlv(0, {}));
  return p;
}

// BER (X.690 §8.1) with the shortest definite length.
Buf ber(std::uint8_t tag, const Buf& value) {
  Buf b;
  put8(b, tag);
  const std::size_t n = value.size();
  if (n < 0x80) {
    put8(b, static_cast<std::uint32_t>(n));
  } else if (n < 0x100) {
    put8(b, 0x81);
    put8(b, static_cast<std::uint32_t>(n));
  } else {
    put8(b, 0x82);
    put16be(b, static_cast<std::uint32_t>(n));
  }
  put_bytes(b, value);
  return b;
}
Buf ber_str(std::string_view s) {
  Buf v;
  put_str(v, s);
  return ber(0x04, v);
}
// 1.3.6.1.2.1.1.<n>.0: the MIB-II system group (RFC 3418).
Buf sys_oid(std::uint8_t n) { return ber(0x06, Buf{0x2b, 6, 1, 2, 1, 1, n, 0}); }

// SNMPv2c message (RFC 3416 §3) with one PDU of `pdu_tag` and varbinds for
// system.1 (sysDescr) and system.5 (sysName): values when given, NULL otherwise.
Buf snmp(std::uint8_t pdu_tag, std::string_view descr, std::string_view name) {
  auto varbind = [](std::uint8_t n, std::string_view v) {
    Buf vb = sys_oid(n);
    put_bytes(vb, v.empty() ? ber(0x05, {}) : ber_str(v));
    return ber(0x30, vb);
  };
  Buf list = varbind(1, descr);
  put_bytes(list, varbind(5, name));
  Buf pdu = ber(0x02, Buf{0x2a});  // request-id
  put_bytes(pdu, ber(0x02, Buf{0}));  // error-status
  put_bytes(pdu, ber(0x02, Buf{0}));  // error-index
  put_bytes(pdu, ber(0x30, list));
  Buf msg = ber(0x02, Buf{1});  // version: v2c
  put_bytes(msg, ber_str("plant"));
  put_bytes(msg, ber(pdu_tag, pdu));
  return ber(0x30, msg);
}

// A DHCP reply (RFC 2131 Figure 1; options RFC 2132): message type, server
// identifier, lease time, subnet mask, router, host name.
Buf dhcp_reply(std::uint8_t type, const Mac& chaddr, std::uint32_t yiaddr, std::uint32_t server,
               std::string_view hostname) {
  Buf b;
  put8(b, 2);                  // op BOOTREPLY
  put8(b, 1);                  // htype Ethernet
  put8(b, 6);                  // hlen
  put8(b, 0);                  // hops
  put32be(b, 0x3903f326);      // xid
  put16be(b, 0);               // secs
  put16be(b, 0x8000);          // flags: broadcast
  put32be(b, 0);               // ciaddr
  put32be(b, yiaddr);          // yiaddr
  put32be(b, server);          // siaddr
  put32be(b, 0);               // giaddr: no relay
  put_mac(b, chaddr);          // chaddr
  b.resize(b.size() + 10 + 64 + 128, 0);  // chaddr padding, sname, file
  put32be(b, 0x63825363);      // magic cookie
  put_bytes(b, Buf{53, 1, type});
  put_bytes(b, Buf{54, 4});
  put32be(b, server);
  put_bytes(b, Buf{51, 4, 0, 1, 0x51, 0x80});  // lease 86400 s
  put_bytes(b, Buf{1, 4, 255, 255, 255, 0});
  put_bytes(b, Buf{3, 4});
  put32be(b, server);
  put_bytes(b, Buf{12, static_cast<std::uint8_t>(hostname.size())});
  put_str(b, hostname);
  put8(b, 255);
  return b;
}

void udp_packet(CaptureWriter& w, std::int64_t& ts, const Host& a, const Host& b, std::uint16_t sport,
                std::uint16_t dport, const Buf& payload) {
  w.write(ts, ether(a.mac, b.mac, 0x0800, ipv4(a.ip, b.ip, 17, udp(a.ip, b.ip, sport, dport, payload))));
  ts += 2000;
}

int write_ident_descriptions(const std::string& out) {
  CaptureWriter w(out, true);
  if (cannot_write(w, out)) return 1;
  const Mac lldp_multicast = mac("01:80:c2:00:00:0e");
  const Host cpu{mac("28:63:36:aa:20:01"), ip4("10.20.0.10")};
  const Host flexy{mac("00:03:27:aa:20:04"), ip4("10.20.0.4")};
  const Host rut{mac("00:1e:42:aa:20:02"), ip4("10.20.0.2")};
  const Host rsp{mac("00:80:63:aa:20:03"), ip4("10.20.0.3")};
  const Host nms{mac("00:15:5d:aa:20:05"), ip4("10.20.0.5")};
  const Host dhcpd{mac("00:1b:54:aa:20:01"), ip4("10.20.0.1")};
  const Mac hmi = mac("00:0e:c6:aa:20:11");
  const Mac eng = mac("00:0c:29:aa:20:12");
  const Host all{mac("ff:ff:ff:ff:ff:ff"), ip4("255.255.255.255")};
  std::int64_t ts = 1'765'000'000'000'000;

  for (int round = 0; round < 2; ++round) {
    // Bridge capable and enabled: the CPU's two PROFINET ports are a switch.
    w.write(ts, ether(cpu.mac, lldp_multicast, 0x88cc,
                      lldpdu(cpu, "plc-line2",
                             "Siemens, SIMATIC S7, CPU 1516-3 PN/DP, 6ES7 516-3AN01-0AB0, HW: 3, FW: V2.8.3", 0x0084,
                             0x0004)));
    ts += 1000;
    w.write(ts, ether(flexy.mac, lldp_multicast, 0x88cc,
                      lldpdu(flexy, "flexy-line2", "eWON Flexy 205 firmware 14.5s0", 0x0090, 0x0010)));
    ts += 1000;
    for (const auto& [agent, descr, name] :
         {std::tuple<Host, std::string_view, std::string_view>{rut, "Teltonika RUT955 RUT9_R_00.07.04.1",
                                                               "rut-remote"},
          {rsp, "Hirschmann Rail Switch Power Enhanced - SW: HiOS-3S-09.0.00", "rs-cell2"}}) {
      udp_packet(w, ts, nms, agent, 40161, 161, snmp(0xa0, "", ""));
      udp_packet(w, ts, agent, nms, 161, 40161, snmp(0xa2, descr, name));
    }
    ts += 1'000'000;
  }
  // The reserved HMI gets its ACK; the engineering PC is offered an address and a
  // name but never takes the lease.
  w.write(ts, ether(dhcpd.mac, all.mac, 0x0800,
                    ipv4(dhcpd.ip, all.ip, 17,
                         udp(dhcpd.ip, all.ip, 67, 68, dhcp_reply(5, hmi, ip4("10.20.0.23"), dhcpd.ip, "hmi-line2")))));
  ts += 1000;
  w.write(ts, ether(dhcpd.mac, all.mac, 0x0800,
                    ipv4(dhcpd.ip, all.ip, 17,
                         udp(dhcpd.ip, all.ip, 67, 68, dhcp_reply(2, eng, ip4("10.20.0.40"), dhcpd.ip, "eng-pc-07")))));
  return wrote(w, out);
}

const Scenario kIdentDescriptions{"ident_descriptions", write_ident_descriptions};

}  // namespace
