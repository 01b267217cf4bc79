// The registry table (see registry.hpp). One row per protocol; keep rows sorted
// by transport, then key.
#include "registry.hpp"

// Dissector headers, one per protocol.
#include "cclink_iefb.hpp"
#include "cdp.hpp"
#include "dhcp.hpp"
#include "dns.hpp"
#include "enip.hpp"
#include "fins.hpp"
#include "http.hpp"
#include "kv_hostlink.hpp"
#include "lldp.hpp"
#include "mewtocol.hpp"
#include "modbus.hpp"
#include "nbns.hpp"
#include "opcua.hpp"
#include "pn_dcp.hpp"
#include "s7comm.hpp"
#include "slmp.hpp"
#include "snmp.hpp"
#include "tls.hpp"
#include "wlan_mgmt.hpp"

namespace mieruka::dissectors {
namespace {

constexpr DissectorEntry kDissectors[] = {
    // name, transport, key, probe, datagram, make_stream
    {"pn_dcp", Transport::ether, 0x8892, nullptr, &pn_dcp::on_frame, nullptr},
    {"lldp", Transport::ether, 0x88cc, nullptr, &lldp::on_frame, nullptr},
    {"cdp", Transport::snap, 0x2000, nullptr, &cdp::on_frame, nullptr},
    {"wlan", Transport::wlan_mgmt, wlan_mgmt_key(wlan_mgmt::kAssocRequest), nullptr, &wlan_mgmt::on_frame, nullptr},
    {"wlan", Transport::wlan_mgmt, wlan_mgmt_key(wlan_mgmt::kReassocRequest), nullptr, &wlan_mgmt::on_frame, nullptr},
    {"wlan", Transport::wlan_mgmt, wlan_mgmt_key(wlan_mgmt::kProbeRequest), nullptr, &wlan_mgmt::on_frame, nullptr},
    {"wlan", Transport::wlan_mgmt, wlan_mgmt_key(wlan_mgmt::kProbeResponse), nullptr, &wlan_mgmt::on_frame, nullptr},
    {"wlan", Transport::wlan_mgmt, wlan_mgmt_key(wlan_mgmt::kBeacon), nullptr, &wlan_mgmt::on_frame, nullptr},
    {"dns", Transport::udp, 53, nullptr, &dns::on_dns_datagram, nullptr},
    {"dhcp", Transport::udp, 67, nullptr, &dhcp::on_datagram, nullptr},
    {"dhcp", Transport::udp, 68, nullptr, &dhcp::on_datagram, nullptr},
    {"nbns", Transport::udp, 137, nullptr, &nbns::on_name_datagram, nullptr},
    {"nbns", Transport::udp, 138, nullptr, &nbns::on_datagram_service, nullptr},
    {"snmp", Transport::udp, 161, nullptr, &snmp::on_datagram, nullptr},
    {"snmp", Transport::udp, 162, nullptr, &snmp::on_datagram, nullptr},
    {"dhcp", Transport::udp, 546, nullptr, &dhcp::on_v6_datagram, nullptr},
    {"dhcp", Transport::udp, 547, nullptr, &dhcp::on_v6_datagram, nullptr},
    {"cip_io", Transport::udp, 2222, nullptr, &enip::on_io_datagram, nullptr},
    // MELSEC QJ71E71 / QnUDE built-in Ethernet "auto open UDP port" (5000) for MC
    // protocol. Other SLMP ports are user-set: this row's probe and the probe-only
    // tcp row below claim them.
    {"slmp", Transport::udp, 5000, &slmp::probe, &slmp::on_datagram, nullptr},
    {"mdns", Transport::udp, 5353, nullptr, &dns::on_mdns_datagram, nullptr},
    {"llmnr", Transport::udp, 5355, nullptr, &dns::on_llmnr_datagram, nullptr},
    {"fins", Transport::udp, 9600, &fins::probe_udp, &fins::on_datagram, nullptr},
    {"enip", Transport::udp, 44818, &enip::probe, &enip::on_datagram, nullptr},
    // CC-Link IE Field Basic cyclic data (61451 is SLMP node search, not this).
    {"cclink_iefb", Transport::udp, 61450, nullptr, &cclink_iefb::on_datagram, nullptr},
    // SLMP Node Search / IP Address Set (CC-Link IE Field Basic tools, GX Works3).
    {"slmp", Transport::udp, 61451, nullptr, &slmp::on_node_search_datagram, nullptr},
    {"http", Transport::tcp, 80, &http::probe, nullptr, &http::make_stream_parser},
    {"s7comm", Transport::tcp, 102, &s7comm::probe, nullptr, &s7comm::make_stream_parser},
    // TLS: the probe (on this row only) claims a ClientHello on any port.
    {"https", Transport::tcp, 443, &tls::probe, nullptr, &tls::make_stream_parser},
    {"modbus", Transport::tcp, 502, &modbus::probe, nullptr, &modbus::make_stream_parser},
    {"opcua", Transport::tcp, 4840, &opcua::probe, nullptr, &opcua::make_stream_parser},
    {"fins", Transport::tcp, 9600, &fins::probe_tcp, nullptr, &fins::make_stream_parser},
    {"http", Transport::tcp, 8080, nullptr, nullptr, &http::make_stream_parser},
    {"https", Transport::tcp, 8443, nullptr, nullptr, &tls::make_stream_parser},
    // Keyence KV-8000/7000/5000 built-in Ethernet: host link port 8501.
    {"kv_hostlink", Transport::tcp, 8501, nullptr, nullptr, &kv_hostlink::make_stream_parser},
    // Panasonic FP series Ethernet: MEWTOCOL-COM server port 9094; other ports by probe.
    {"mewtocol", Transport::tcp, 9094, &mewtocol::probe, nullptr, &mewtocol::make_stream_parser},
    {"enip", Transport::tcp, 44818, &enip::probe, nullptr, &enip::make_stream_parser},
    // Probe only (key 0): SLMP/MC on whatever port the PLC's Ethernet settings open.
    {"slmp", Transport::tcp, 0, &slmp::probe, nullptr, &slmp::make_stream_parser},
};

}  // namespace

std::span<const DissectorEntry> registry() noexcept { return kDissectors; }

const DissectorEntry* find_by_key(Transport transport, std::uint16_t key) noexcept {
  if (key == 0) return nullptr;
  for (const auto& e : kDissectors)
    if (e.transport == transport && e.key == key && !e.name.empty()) return &e;
  return nullptr;
}

const DissectorEntry* find_by_ports(Transport transport, std::uint16_t a, std::uint16_t b) noexcept {
  const std::uint16_t lo = a < b ? a : b;
  const std::uint16_t hi = a < b ? b : a;
  if (const auto* e = find_by_key(transport, lo)) return e;
  return find_by_key(transport, hi);
}

const DissectorEntry* find_by_probe(Transport transport, Bytes payload, Direction dir) noexcept {
  if (payload.empty()) return nullptr;
  for (const auto& e : kDissectors)
    if (e.transport == transport && e.probe != nullptr && e.probe(payload, dir)) return &e;
  return nullptr;
}

}  // namespace mieruka::dissectors
