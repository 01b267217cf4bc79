#include "inventory/policy/remote_services.hpp"

#include <array>

namespace mieruka::inventory {
namespace {

constexpr std::array<RemoteService, 26> kServices = {{
    // Remote-maintenance gateways and their brokers (machine builders' favourites).
    {"talk2m.com", "HMS eWON Talk2M", "vpn_broker"},
    {"tosibox.com", "Tosibox", "vpn_broker"},
    {"secomea.com", "Secomea GateManager", "vpn_broker"},
    {"ixon.cloud", "IXON Cloud", "vpn_broker"},
    {"mbconnect24.net", "MB connect line mbCONNECT24", "vpn_broker"},
    {"rms.teltonika-networks.com", "Teltonika RMS", "vpn_broker"},
    {"remotemanager.digi.com", "Digi Remote Manager", "vpn_broker"},
    // Remote-support desktops.
    {"teamviewer.com", "TeamViewer", "remote_support"},
    {"anydesk.com", "AnyDesk", "remote_support"},
    {"logmein.com", "LogMeIn", "remote_support"},
    {"logme.in", "LogMeIn", "remote_support"},
    {"splashtop.com", "Splashtop", "remote_support"},
    {"rustdesk.com", "RustDesk", "remote_support"},
    {"realvnc.com", "RealVNC Connect", "remote_support"},
    {"screenconnect.com", "ConnectWise ScreenConnect", "remote_support"},
    {"beyondtrustcloud.com", "BeyondTrust Remote Support", "remote_support"},
    // Overlay networks and tunnels that punch through the plant's firewall.
    {"remote.it", "remote.it", "tunnel"},
    {"ngrok.io", "ngrok", "tunnel"},
    {"ngrok-free.app", "ngrok", "tunnel"},
    {"zerotier.com", "ZeroTier", "tunnel"},
    {"tailscale.com", "Tailscale", "tunnel"},
    {"tailscale.io", "Tailscale", "tunnel"},
    // Device clouds that OT equipment reports to.
    {"azure-devices.net", "Azure IoT Hub", "vendor_cloud"},
    {"mindsphere.io", "Siemens MindSphere / Insights Hub", "vendor_cloud"},
    {"ewon.biz", "HMS eWON", "vendor_cloud"},
    {"iot.ap-northeast-1.amazonaws.com", "AWS IoT Core (Tokyo)", "vendor_cloud"},
}};

char lower(char c) noexcept { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool ends_with_labels(std::string_view name, std::string_view suffix) noexcept {
  if (name.size() < suffix.size()) return false;
  const std::size_t off = name.size() - suffix.size();
  for (std::size_t i = 0; i < suffix.size(); ++i)
    if (lower(name[off + i]) != suffix[i]) return false;
  return off == 0 || name[off - 1] == '.';
}

}  // namespace

std::optional<RemoteService> remote_service(std::string_view host_name) noexcept {
  if (!host_name.empty() && host_name.back() == '.') host_name.remove_suffix(1);
  if (host_name.empty()) return std::nullopt;
  for (const auto& s : kServices)
    if (ends_with_labels(host_name, s.suffix)) return s;
  return std::nullopt;
}

}  // namespace mieruka::inventory
