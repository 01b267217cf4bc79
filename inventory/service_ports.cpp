// Well-known service ports (IANA registry) for the services plants care about:
// remote access (3-6), IT services, cleartext logins, and industrial ports.
#include "inventory/service_ports.hpp"

#include <fmt/format.h>

#include "inventory/ledger.hpp"

namespace mieruka::inventory {
namespace {

struct ServicePort {
  bool tcp;
  std::uint16_t port;
  std::string_view name;
};

constexpr ServicePort kServicePorts[] = {
    {true, 20, "ftp_data"},     {true, 21, "ftp"},          {true, 22, "ssh"},
    {true, 23, "telnet"},       {true, 25, "smtp"},         {true, 53, "dns"},
    {false, 53, "dns"},         {false, 67, "dhcp"},        {false, 68, "dhcp"},
    {false, 69, "tftp"},        {true, 80, "http"},         {true, 102, "s7comm"},
    {true, 110, "pop3"},        {false, 123, "ntp"},        {true, 135, "msrpc"},
    {false, 137, "nbns"},       {false, 138, "netbios_dgm"}, {true, 139, "smb"},
    {true, 143, "imap"},        {false, 161, "snmp"},       {false, 162, "snmp_trap"},
    {true, 389, "ldap"},        {true, 443, "https"},       {false, 443, "quic"},
    {true, 445, "smb"},         {false, 500, "ike"},        {true, 502, "modbus"},
    {false, 514, "syslog"},     {true, 587, "smtp"},        {true, 636, "ldaps"},
    {true, 993, "imaps"},       {false, 1194, "openvpn"},   {true, 1194, "openvpn"},
    {true, 1433, "mssql"},      {false, 1900, "ssdp"},      {true, 1723, "pptp"},
    {true, 1883, "mqtt"},       {false, 2222, "cip_io"},    {true, 2404, "iec104"},
    {true, 3306, "mysql"},      {true, 3389, "rdp"},        {false, 3389, "rdp"},
    {false, 4500, "ipsec_nat_t"}, {true, 4840, "opcua"},    {false, 5353, "mdns"},
    {false, 5355, "llmnr"},     {true, 5432, "postgresql"}, {true, 5500, "vnc"},
    {true, 5800, "vnc"},        {true, 5900, "vnc"},        {true, 5938, "teamviewer"},
    {false, 5938, "teamviewer"}, {true, 8080, "http"},      {true, 8443, "https"},
    {true, 8501, "kv_hostlink"}, {true, 8883, "mqtts"},     {true, 9600, "fins"},
    {false, 9600, "fins"},      {true, 20000, "dnp3"},      {false, 20000, "dnp3"},
    {true, 44818, "enip"},      {false, 44818, "enip"},     {false, 47808, "bacnet"},
    {false, 51820, "wireguard"}, {false, 61450, "cclink_iefb"},
};

}  // namespace

std::string_view service_for_port(bool tcp, std::uint16_t port) noexcept {
  for (const auto& s : kServicePorts)
    if (s.tcp == tcp && s.port == port) return s.name;
  return {};
}

bool is_service_port(bool tcp, std::uint16_t port) noexcept {
  return port < 1024 || !service_for_port(tcp, port).empty();
}

std::string_view port_service(const Edge& e) noexcept {
  if (e.protocol != e.transport) return {};
  if (e.transport == "tcp") return service_for_port(true, e.port);
  if (e.transport == "udp") return service_for_port(false, e.port);
  return {};
}

std::string port_text(std::string_view transport, std::uint16_t port, std::string_view service) {
  return fmt::format("{} port {} (registered for {})", transport, port, service);
}

}  // namespace mieruka::inventory
