// Well-known service ports (IANA registry). The protocols a dissector reads
// carry their ports in their registry rows; the table here holds only services
// no dissector reads, the ones plants care about by port: remote access (3-6),
// IT services, cleartext logins, mail, and industrial services without a
// dissector. A port is no protocol: these names never become an edge's
// protocol, they only say what a port is registered for.
#include "inventory/policy/service_ports.hpp"


#include "dissectors/registry.hpp"
#include "inventory/ledger/ledger.hpp"

namespace mieruka::inventory {
namespace {

struct PortService {
  bool tcp;
  std::uint16_t port;
  std::string_view name;
  std::uint8_t uses;
};

constexpr std::uint8_t kRemoteTunnel = kRemoteAccess | kTunnel;
constexpr std::uint8_t kItBoth = kItClient | kItServer;

constexpr PortService kPortOnlyServices[] = {
    {true, 20, "ftp_data", 0},          {true, 21, "ftp", kCleartextLogin},  {true, 22, "ssh", kRemoteAccess},
    {true, 23, "telnet", kCleartextLogin}, {true, 25, "smtp", kMail},       {false, 69, "tftp", 0},
    {true, 110, "pop3", 0},             {false, 123, "ntp", 0},              {true, 135, "msrpc", kItBoth},
    {true, 139, "smb", kItBoth},        {true, 143, "imap", 0},              {true, 389, "ldap", kItClient},
    {false, 443, "quic", 0},            {true, 445, "smb", kItBoth},         {false, 500, "ike", kRemoteTunnel},
    {false, 514, "syslog", 0},          {true, 587, "smtp", kMail},          {true, 636, "ldaps", 0},
    {true, 993, "imaps", 0},            {false, 1194, "openvpn", kRemoteTunnel},
    {true, 1194, "openvpn", kRemoteTunnel}, {true, 1433, "mssql", kDatabase}, {false, 1900, "ssdp", 0},
    {true, 1723, "pptp", kRemoteTunnel}, {true, 1883, "mqtt", 0},
    {true, 2404, "iec104", 0},          // IEC 60870-5-104: no dissector
    {true, 3306, "mysql", kDatabase},   {true, 3389, "rdp", kRemoteAccess | kItBoth},
    {false, 3389, "rdp", kRemoteAccess | kItBoth}, {false, 4500, "ipsec_nat_t", kRemoteTunnel},
    {true, 5432, "postgresql", kDatabase}, {true, 5500, "vnc", kRemoteAccess | kItClient},
    {true, 5800, "vnc", kRemoteAccess | kItClient}, {true, 5900, "vnc", kRemoteAccess | kItClient},
    {true, 5938, "teamviewer", kRemoteTunnel}, {false, 5938, "teamviewer", kRemoteTunnel},
    {true, 8883, "mqtts", 0},
    {true, 20000, "dnp3", 0},           {false, 20000, "dnp3", 0},           // DNP3: no dissector
    {false, 47808, "bacnet", 0},        // BACnet/IP: no dissector
    {false, 51820, "wireguard", kRemoteTunnel},
};

}  // namespace

std::uint8_t service_uses(std::string_view name) noexcept {
  for (const auto& s : kPortOnlyServices)
    if (s.name == name) return s.uses;
  return 0;
}

std::string_view service_for_port(bool tcp, std::uint16_t port) noexcept {
  const auto transport = tcp ? dissectors::Transport::tcp : dissectors::Transport::udp;
  for (const auto& p : dissectors::protocols())
    for (const auto& s : p.ports)
      if (s.port != 0 && s.port == port && s.transport == transport) return p.name;
  for (const auto& s : kPortOnlyServices)
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

nlohmann::json port_values(std::string_view transport, std::uint16_t port, std::string_view service) {
  return {{"kind", "port.registered"}, {"transport", transport}, {"port", port}, {"service", service}};
}

}  // namespace mieruka::inventory
