// The registry tables (see registry.hpp): what each protocol name is
// (kProtocols) and which dissector runs on which traffic (kDissectors).
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

using std::string_view;
constexpr ServicePort tcp(std::uint16_t port) { return {Transport::tcp, port}; }
constexpr ServicePort udp(std::uint16_t port) { return {Transport::udp, port}; }
constexpr string_view kWlan = wlan_mgmt::kProtocol;  // the pipeline names wireless transmitters by it too

// Operation names as the dissectors emit them (see ProtocolInfo).
constexpr string_view kS7EngineeringReads[] = {
    "start_upload", "upload", "end_upload",
    "download_block", "download_ended",  // the CPU's side of a download
    "userdata_programmer",               // forcing, variable tables, online edits
};
constexpr string_view kFinsEngineeringReads[] = {"program_area_read"};
constexpr string_view kMewtocolEngineeringReads[] = {"read_program"};
constexpr string_view kModbusEngineeringReads[] = {"umas_take_plc_reservation"};  // UMAS: the session before any change
constexpr string_view kSlmpEngineeringReads[] = {"file_read"};  // a program file read out of the CPU
// Diagnostics 08/01 and 08/04 restart a slave's communications: masters send them.
constexpr string_view kModbusRoutineControls[] = {"diagnostics"};

// One row per protocol name. The controllers come first, in the order their
// server roles are tried when no conversation shows which side a device is on.
constexpr ProtocolInfo kProtocols[] = {
    {.name = "modbus", .dissector = "modbus", .ot = true, .ends = Ends::controller,
     .server_role = "modbus_server", .ports = {tcp(502)},
     .engineering_reads = kModbusEngineeringReads, .routine_controls = kModbusRoutineControls},
    {.name = "fins", .dissector = "fins", .ot = true, .ends = Ends::controller, .server_role = "fins_server",
     .ports = {tcp(9600), udp(9600)}, .engineering_reads = kFinsEngineeringReads},
    {.name = "mewtocol", .dissector = "mewtocol", .ot = true, .ends = Ends::controller,
     .server_role = "mewtocol_server", .engineering_reads = kMewtocolEngineeringReads},
    {.name = "kv_hostlink", .dissector = "kv_hostlink", .ot = true, .ends = Ends::controller,
     .server_role = "kv_hostlink_server", .ports = {tcp(8501)}},
    {.name = "slmp", .dissector = "slmp", .ot = true, .ends = Ends::controller, .server_role = "slmp_server",
     .engineering_reads = kSlmpEngineeringReads},
    {.name = "s7comm", .dissector = "s7comm", .ot = true, .ends = Ends::controller, .server_role = "s7comm_server",
     .ports = {tcp(102)}, .engineering_reads = kS7EngineeringReads},
    {.name = "cclink_iefb", .dissector = "cclink_iefb", .ot = true, .ends = Ends::controller,
     .server_role = "cclink_slave", .ports = {udp(61450)}},
    {.name = "enip", .dissector = "enip", .ot = true, .ends = Ends::controller, .ports = {tcp(44818), udp(44818)}},
    {.name = "cip", .dissector = "cip", .ot = true, .ends = Ends::controller},
    {.name = "cip_io", .dissector = "enip", .ot = true, .ends = Ends::cyclic_io, .server_role = "cip_io_adapter",
     .ports = {udp(2222)}},
    {.name = "opcua", .dissector = "opcua", .ot = true, .ends = Ends::data_access, .server_role = "opcua_server",
     .client_role = "opcua_client", .ports = {tcp(4840)}},
    {.name = "pn_dcp", .dissector = "pn_dcp", .ot = true, .hints = HintMeaning::bus_role, .source_priority = 50},
    {.name = "pn_rt", .dissector = "pn_dcp", .ot = true},
    {.name = "lldp", .dissector = "lldp", .hints = HintMeaning::capabilities, .label = "LLDP",
     .source_priority = 40},
    {.name = "cdp", .dissector = "cdp", .hints = HintMeaning::capabilities, .label = "CDP", .source_priority = 40},
    {.name = "snmp", .dissector = "snmp", .label = "SNMP", .source_priority = 40, .ports = {udp(161), udp(162)}},
    {.name = kWlan, .dissector = "wlan_mgmt", .hints = HintMeaning::beacons},
    {.name = "dhcp", .dissector = "dhcp", .source_priority = 30, .announces_host_name = true, .name_service = true,
     .ports = {udp(67), udp(68)}},
    {.name = "dns", .dissector = "dns", .source_priority = 30, .name_service = true, .ports = {tcp(53), udp(53)}},
    {.name = "mdns", .dissector = "dns", .source_priority = 30, .announces_host_name = true, .name_service = true,
     .ports = {udp(5353)}},
    {.name = "llmnr", .dissector = "dns", .source_priority = 30, .announces_host_name = true, .name_service = true,
     .ports = {udp(5355)}},
    {.name = "nbns", .dissector = "nbns", .source_priority = 30, .announces_host_name = true, .name_service = true,
     .ports = {udp(137), udp(138)}},
    {.name = "http", .dissector = "http", .it_client = true, .source_priority = 30, .ports = {tcp(80), tcp(8080)}},
    {.name = "https", .dissector = "tls", .it_client = true, .ports = {tcp(443), tcp(8443)}},
};

// Dispatch: one row per (transport, key); keep rows sorted by transport, then
// key. `name` is a kProtocols row (checked below).
constexpr DissectorEntry kDissectors[] = {
    // name, transport, key, probe, datagram, make_stream
    {"pn_dcp", Transport::ether, 0x8892, nullptr, &pn_dcp::on_frame, nullptr},
    {"lldp", Transport::ether, 0x88cc, nullptr, &lldp::on_frame, nullptr},
    {"cdp", Transport::snap, 0x2000, nullptr, &cdp::on_frame, nullptr},
    {kWlan, Transport::wlan_mgmt, wlan_mgmt_key(wlan_mgmt::kAssocRequest), nullptr, &wlan_mgmt::on_frame, nullptr},
    {kWlan, Transport::wlan_mgmt, wlan_mgmt_key(wlan_mgmt::kReassocRequest), nullptr, &wlan_mgmt::on_frame, nullptr},
    {kWlan, Transport::wlan_mgmt, wlan_mgmt_key(wlan_mgmt::kProbeRequest), nullptr, &wlan_mgmt::on_frame, nullptr},
    {kWlan, Transport::wlan_mgmt, wlan_mgmt_key(wlan_mgmt::kProbeResponse), nullptr, &wlan_mgmt::on_frame, nullptr},
    {kWlan, Transport::wlan_mgmt, wlan_mgmt_key(wlan_mgmt::kBeacon), nullptr, &wlan_mgmt::on_frame, nullptr},
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

constexpr bool described(string_view name) {
  for (const auto& p : kProtocols)
    if (p.name == name) return true;
  return false;
}
constexpr bool rows_described() {
  for (const auto& e : kDissectors)
    if (!described(e.name)) return false;
  return true;
}
constexpr bool names_unique() {
  for (std::size_t i = 0; i < std::size(kProtocols); ++i)
    for (std::size_t j = i + 1; j < std::size(kProtocols); ++j)
      if (kProtocols[i].name == kProtocols[j].name) return false;
  return true;
}
static_assert(rows_described(), "every dispatch row's name needs a kProtocols row");
static_assert(names_unique(), "one kProtocols row per protocol name");

}  // namespace

std::span<const DissectorEntry> registry() noexcept { return kDissectors; }

std::span<const ProtocolInfo> protocols() noexcept { return kProtocols; }

const ProtocolInfo* protocol_info(std::string_view name) noexcept {
  for (const auto& p : kProtocols)
    if (p.name == name) return &p;
  return nullptr;
}

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
