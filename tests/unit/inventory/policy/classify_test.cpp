// Device classification: one test per rule (ledgers built directly), rule order,
// Purdue levels, and one device described by several protocols.
#include "inventory/policy/classify.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace mieruka::inventory {
namespace {

constexpr std::int64_t kT = 1'700'000'000'000'000;

struct Builder {
  Ledger ledger;
  int next = 1;

  std::string add(std::vector<FactRecord> facts, std::vector<std::string> protocols = {}, std::string ip = "") {
    Asset a;
    const MacAddr mac{{0x02, 0, 0, 0, 0, static_cast<std::uint8_t>(next++)}};
    a.id = Ledger::id_for_mac(mac);
    a.mac = mac;
    if (ip.empty()) ip = "10.0.0." + std::to_string(next);
    a.ips.push_back({*IpAddr::parse(ip), kT, kT, "arp"});
    a.facts = std::move(facts);
    a.protocols = std::move(protocols);
    const std::string id = a.id;
    ledger.load_asset(std::move(a));
    return id;
  }
  std::string child(const std::string& parent, const std::string& route, std::vector<FactRecord> facts = {}) {
    Asset a;
    a.id = Ledger::id_for_child(parent, route);
    a.parent_id = parent;
    a.route = route;
    a.facts = std::move(facts);
    const std::string id = a.id;
    ledger.load_asset(std::move(a));
    return id;
  }
  void edge(const std::string& from, const std::string& to, const std::string& proto, std::uint16_t port,
            std::vector<EdgeOp> ops = {}) {
    Edge e;
    e.id = Ledger::id_for_edge(from, to, proto, port, 0);
    e.from_id = from;
    e.to_id = to;
    e.protocol = proto;
    e.transport = "tcp";
    e.port = port;
    e.ops = std::move(ops);
    ledger.load_edge(std::move(e));
  }
  Classification of(const std::string& id) { return classify(ledger, ledger.assets()[ledger.index_of(id)]); }
};

FactRecord F(std::string field, std::string value, std::string source) { return {field, value, source, kT, kT, 1}; }

// The approved list's name (source approved_list) is the plant's word: a keyword
// in it classes nothing, while the same name off the wire does.
TEST(Classify, ApprovedListNameIsNoEvidence) {
  Builder b;
  const auto listed = b.add({F("name", "Energy meter hall 2", "approved_list")});
  const auto wire = b.add({F("name", "Energy meter hall 2", "snmp")});
  EXPECT_NE(b.of(listed).device_class, "meter");
  EXPECT_EQ(b.of(wire).device_class, "meter");
}

TEST(Classify, ModbusServerIsPlcWithEvidence) {
  Builder b;
  const auto plc = b.add({F("vendor", "Schneider Electric", "oui"), F("description", "M340", "lldp")});
  const auto scada = b.add({});
  b.edge(scada, plc, "modbus", 502);
  const auto c = b.of(plc);
  EXPECT_EQ(c.device_class, "plc");
  EXPECT_EQ(c.purdue_level, 1);
  ASSERT_GE(c.reasons.size(), 3u);
  EXPECT_EQ(c.reasons[0], "answers modbus on 502 as server");
  EXPECT_EQ(c.reasons[1], "vendor Schneider Electric (oui)");
  EXPECT_EQ(c.reasons[2], "LLDP says M340");
  EXPECT_EQ(c.source, "classify");
  // The client of one PLC is an HMI.
  const auto h = b.of(scada);
  EXPECT_EQ(h.device_class, "hmi");
  EXPECT_EQ(h.purdue_level, 2);
}

TEST(Classify, ManyTargetsIsScadaAndControlOpsIsEngineering) {
  Builder b;
  const auto scada = b.add({});
  const auto ews = b.add({});
  std::vector<std::string> plcs;
  for (int i = 0; i < 3; ++i) plcs.push_back(b.add({}));
  for (const auto& p : plcs) b.edge(scada, p, "modbus", 502);
  EdgeOp stop;
  stop.protocol = "s7comm";
  stop.name = "plc_stop";
  stop.is_control = true;
  b.edge(ews, plcs[0], "s7comm", 102, {stop});
  b.edge(ews, plcs[1], "smb", 445);
  EXPECT_EQ(b.of(scada).device_class, "scada_server");
  const auto e = b.of(ews);
  EXPECT_EQ(e.device_class, "engineering_workstation");
  EXPECT_EQ(e.purdue_level, 2);
  EXPECT_NE(e.reasons[0].find("s7comm/plc_stop"), std::string::npos);
  EXPECT_EQ(e.reasons.back(), "also an IT client (smb/rdp)");
}

EdgeOp op(std::string protocol, std::string name, bool control = false) {
  EdgeOp o;
  o.protocol = std::move(protocol);
  o.name = std::move(name);
  o.is_control = control;
  return o;
}

TEST(Classify, UploadOpIsEngineering) {
  Builder b;
  const auto ews = b.add({});
  const auto plc = b.add({});
  // CIP File object: the dissector marks program transfer as control.
  b.edge(ews, plc, "enip", 44818, {op("cip", "read_tag"), op("cip", "upload_transfer", true)});
  EXPECT_EQ(b.of(ews).device_class, "engineering_workstation");
}

// Each protocol's engineering operations as the dissectors name them; the same
// client with only cyclic reads stays an HMI (one target) or SCADA (three).
TEST(Classify, EngineeringOperationsByProtocol) {
  struct Case {
    std::string edge_protocol;
    std::uint16_t port;
    EdgeOp engineering;
    EdgeOp cyclic;
  };
  const std::vector<Case> cases = {
      {"s7comm", 102, op("s7comm", "upload"), op("s7comm", "read_var_db")},
      {"s7comm", 102, op("s7comm", "plc_insert_block", true), op("s7comm", "read_var_db")},
      {"s7comm", 102, op("s7comm", "userdata_programmer"), op("s7comm", "userdata_cpu")},
      {"enip", 44818, op("cip", "initiate_download", true), op("cip", "read_tag")},
      {"slmp", 5007, op("slmp", "remote_stop", true), op("slmp", "batch_read")},
      {"slmp", 5007, op("slmp", "file_read"), op("slmp", "batch_read")},
      {"fins", 9600, op("fins", "program_area_read"), op("fins", "memory_area_read")},
      {"fins", 9600, op("fins", "forced_set_reset", true), op("fins", "memory_area_read")},
      {"mewtocol", 9094, op("mewtocol", "read_program"), op("mewtocol", "read_data_area")},
      {"modbus", 502, op("modbus", "umas_take_plc_reservation"), op("modbus", "umas_read_variables")},
      {"modbus", 502, op("modbus", "umas_initialize_download", true), op("modbus", "read_holding_registers")},
  };
  for (const Case& c : cases) {
    Builder b;
    const auto ews = b.add({});
    const auto hmi = b.add({});
    const auto plc = b.add({});
    b.edge(ews, plc, c.edge_protocol, c.port, {c.cyclic, c.engineering});
    b.edge(hmi, plc, c.edge_protocol, c.port, {c.cyclic});
    const auto e = b.of(ews);
    EXPECT_EQ(e.device_class, "engineering_workstation") << c.engineering.name;
    EXPECT_NE(e.reasons[0].find(c.engineering.protocol + "/" + c.engineering.name), std::string::npos);
    EXPECT_EQ(b.of(hmi).device_class, "hmi") << c.cyclic.name;
  }
}

TEST(Classify, MasterDiagnosticsAndDcpSetAreNotEngineering) {
  Builder b;
  const auto scada = b.add({});
  std::vector<std::string> plcs;
  for (int i = 0; i < 3; ++i) plcs.push_back(b.add({}));
  // Modbus 08/01 Restart Communications: a master recovering a slave.
  for (const auto& p : plcs) b.edge(scada, p, "modbus", 502, {op("modbus", "read_holding_registers"),
                                                              op("modbus", "diagnostics", true)});
  EXPECT_EQ(b.of(scada).device_class, "scada_server");
  // A PROFINET controller names its devices by DCP Set at start-up.
  const auto io_controller = b.add({});
  const auto device = b.add({});
  b.edge(io_controller, device, "pn_dcp", 0, {op("pn_dcp", "set_name_of_station", true)});
  b.edge(io_controller, plcs[0], "modbus", 502, {op("modbus", "read_holding_registers")});
  EXPECT_EQ(b.of(io_controller).device_class, "hmi");
}

TEST(Classify, CipDeviceTypes) {
  Builder b;
  const auto drive = b.add({F("device_type", "AC Drive", "enip_list_identity")});
  const auto hmi = b.add({F("device_type", "Human-Machine Interface", "enip_list_identity")});
  const auto adapter = b.add({F("device_type", "Communications Adapter", "enip_list_identity"),
                              F("role", "cip_io_adapter", "cip")});
  const auto lone = b.add({F("device_type", "Communications Adapter", "enip_list_identity")});
  const auto plc = b.add({F("device_type", "Programmable Logic Controller", "enip_list_identity")});
  EXPECT_EQ(b.of(drive).device_class, "drive");
  EXPECT_EQ(b.of(drive).purdue_level, 0);
  EXPECT_EQ(b.of(drive).source, "enip_list_identity");
  EXPECT_EQ(b.of(hmi).device_class, "hmi");
  EXPECT_EQ(b.of(adapter).device_class, "io_adapter");
  EXPECT_EQ(b.of(adapter).purdue_level, 1);
  EXPECT_EQ(b.of(lone).device_class, "unknown");  // no class-1 I/O: not enough
  EXPECT_EQ(b.of(plc).device_class, "plc");
}

TEST(Classify, ChildrenAndGateways) {
  Builder b;
  const auto gw = b.add({});
  const auto u1 = b.child(gw, "unit:1");
  b.child(gw, "unit:2");
  const auto chassis = b.add({});
  const auto module = b.child(chassis, "1/3");
  const auto cpu = b.child(chassis, "1/0", {F("device_type", "Programmable Logic Controller", "cip_identity")});
  b.edge(b.add({}), gw, "modbus", 502);
  EXPECT_EQ(b.of(u1).device_class, "field_device");
  EXPECT_EQ(b.of(u1).purdue_level, 0);
  EXPECT_EQ(b.of(gw).device_class, "protocol_gateway");  // before "serves modbus"
  EXPECT_EQ(b.of(gw).reasons[0], "its Modbus server answers for 2 unit ids");
  EXPECT_EQ(b.of(module).device_class, "io_module");
  EXPECT_EQ(b.of(cpu).device_class, "plc");
}

TEST(Classify, InfrastructureFromLldpAndRouterFlag) {
  Builder b;
  const auto sw = b.add({F("class_hint", "switch", "lldp")});
  const auto ap = b.add({F("class_hint", "wireless_ap", "lldp")});
  EXPECT_EQ(b.of(sw).device_class, "switch");
  EXPECT_EQ(b.of(sw).source, "lldp");
  EXPECT_FALSE(b.of(sw).purdue_level.has_value());
  EXPECT_EQ(b.of(ap).device_class, "wireless_ap");
  Asset r;
  r.id = "r1";
  r.router = true;
  b.ledger.load_asset(r);
  EXPECT_EQ(b.of("r1").device_class, "router");
}

TEST(Classify, RemoteAccessByVendorAndPorts) {
  Builder b;
  const auto ewon = b.add({F("vendor", "HMS Industrial Networks", "oui"), F("product", "eWON Flexy 205", "snmp")});
  const auto digital = b.add({F("vendor", "Digital Electronics Corp", "oui")});
  const auto vpn = b.add({});
  const auto peer = b.add({});
  b.edge(vpn, peer, "openvpn", 1194);
  EXPECT_EQ(b.of(ewon).device_class, "remote_access_gateway");
  EXPECT_EQ(b.of(digital).device_class, "unknown");  // "Digi" is a word, not a prefix
  EXPECT_EQ(b.of(vpn).device_class, "remote_access_gateway");
}

// sysDescr/LLDP rows name the maker and product: they feed the remote-access rule.
TEST(Classify, RemoteAccessFromSystemDescriptions) {
  Builder b;
  const auto rut = b.add({F("vendor", "Teltonika", "snmp"), F("product", "RUT955", "snmp")});
  const auto flexy = b.add({F("vendor", "HMS Networks", "lldp"), F("product", "eWON Flexy 205", "lldp")});
  const auto mb = b.add({F("vendor", "MB connect line", "snmp"), F("product", "mbNET MDH 833", "snmp")});
  const auto insys = b.add({F("vendor", "INSYS icom", "lldp"), F("product", "MRX3 LTE", "lldp")});
  for (const auto& id : {rut, flexy, mb, insys}) EXPECT_EQ(b.of(id).device_class, "remote_access_gateway") << id;
  // Its LLDP router capability does not hide what it is for; a switch stays a switch.
  const auto routing = b.add({F("class_hint", "router", "lldp"), F("product", "eWON Flexy 205", "lldp")});
  EXPECT_EQ(b.of(routing).device_class, "remote_access_gateway");
  const auto tsw = b.add({F("class_hint", "switch", "lldp"), F("vendor", "Teltonika", "lldp")});
  EXPECT_EQ(b.of(tsw).device_class, "switch");
  // HMS alone makes protocol gateways too.
  EXPECT_EQ(b.of(b.add({F("vendor", "HMS Networks", "lldp"), F("product", "Anybus X-gateway", "lldp")})).device_class,
            "unknown");
}

TEST(Classify, PrinterCameraHistorianOpcua) {
  Builder b;
  const auto client = b.add({});
  const auto printer = b.add({});
  b.edge(client, printer, "tcp", 9100);
  const auto cam = b.add({F("vendor", "Axis Communications AB", "oui")});
  const auto hist = b.add({F("role", "opcua_client", "opcua_application")});
  b.edge(client, hist, "mssql", 1433);
  const auto ua = b.add({});
  b.edge(hist, ua, "opcua", 4840);
  const auto ua_client = b.add({F("role", "opcua_client", "opcua_hello")});
  EXPECT_EQ(b.of(printer).device_class, "printer");
  EXPECT_EQ(b.of(printer).purdue_level, 4);
  EXPECT_EQ(b.of(cam).device_class, "camera");
  EXPECT_EQ(b.of(hist).device_class, "historian");
  EXPECT_EQ(b.of(hist).purdue_level, 3);
  EXPECT_EQ(b.of(ua).device_class, "opcua_server");
  EXPECT_EQ(b.of(ua).purdue_level, 2);
  EXPECT_EQ(b.of(ua_client).device_class, "opcua_client");
}

TEST(Classify, MeterDriveWordsWirelessItHostUnknown) {
  Builder b;
  const auto client = b.add({});
  const auto meter = b.add({F("product", "PowerLogic PM5560", "modbus_device_id")});
  const auto vfd = b.add({F("product", "PowerFlex 525", "enip_list_identity")});
  b.edge(client, vfd, "enip", 44818);
  const auto sta = b.add({}, {"wlan"});
  const auto pc = b.add({F("os", "Windows", "tcp_fingerprint")});
  const auto web = b.add({});
  b.edge(web, b.add({}), "https", 443);
  const auto nothing = b.add({F("class_hint", "toaster", "x")});
  EXPECT_EQ(b.of(meter).device_class, "meter");
  EXPECT_EQ(b.of(vfd).device_class, "drive");
  EXPECT_EQ(b.of(sta).device_class, "wireless_station");
  EXPECT_FALSE(b.of(sta).purdue_level.has_value());
  EXPECT_EQ(b.of(pc).device_class, "it_host");
  EXPECT_EQ(b.of(pc).reasons[0], "OS Windows (tcp_fingerprint)");
  EXPECT_EQ(b.of(web).device_class, "it_host");
  const auto u = b.of(nothing);
  EXPECT_EQ(u.device_class, "unknown");
  EXPECT_FALSE(u.purdue_level.has_value());
  EXPECT_TRUE(u.source.empty());
}

TEST(Classify, ProtocolClassHintAndOrder) {
  Builder b;
  // A FINS controller-data hint beats "client of modbus" (it is a PLC that also polls).
  const auto plc = b.add({F("class_hint", "plc", "fins_controller_data")});
  b.edge(plc, b.add({}), "modbus", 502);
  EXPECT_EQ(b.of(plc).device_class, "plc");
  EXPECT_EQ(b.of(plc).source, "fins_controller_data");
  // A weak OS hint never overrides a protocol identity.
  const auto p2 = b.add({F("os", "Linux", "tcp_fingerprint"), F("device_type", "Programmable Logic Controller",
                                                                   "enip_list_identity")});
  EXPECT_EQ(b.of(p2).device_class, "plc");
}

// A CPU's own identity beats what it does on the bus: a PROFINET I-device's
// role bit (io_adapter), LLDP's bridge capability of its switch ports.
TEST(Classify, StatedCpuBeatsDcpRoleAndLldpCapabilities) {
  Builder b;
  const auto s7 = b.add({F("class_hint", "io_adapter", "pn_dcp"), F("product", "6ES7 516-3AN01-0AB0", "s7_szl11"),
                         F("class_hint", "plc", "s7_szl11")});
  EXPECT_EQ(b.of(s7).device_class, "plc");
  EXPECT_EQ(b.of(s7).source, "s7_szl11");
  EXPECT_EQ(b.of(s7).reasons[0], "says it is a plc (s7_szl11)");

  const auto lldp_cpu = b.add({F("class_hint", "switch", "lldp"), F("product", "CPU 1516-3 PN/DP", "lldp")});
  EXPECT_EQ(b.of(lldp_cpu).device_class, "plc");
  EXPECT_EQ(b.of(lldp_cpu).reasons[0], "names a CPU: product CPU 1516-3 PN/DP (lldp)");
  EXPECT_EQ(b.of(lldp_cpu).source, "lldp");

  for (const char* cpu : {"6ES7 214-1AG40-0XB0", "6ES7315-2EH14-0AB0", "6ES7 510-1DJ01-0AB0", "CPU-1200",
                          "CPU315-2 PN/DP", "CJ2M-CPU31", "R04ENCPU", "Q03UDECPU"}) {
    const auto id = b.add({F("class_hint", "io_adapter", "pn_dcp"), F("model", cpu, "snmp")});
    EXPECT_EQ(b.of(id).device_class, "plc") << cpu;
  }
  // I/O and interface modules, and a DCP controller bit alone, are not a CPU's statement.
  for (const char* module : {"6ES7 155-6AU01-0BN0", "6ES7 521-1BL00-0AB0", "6ES7 321-1BL00-0AA0", "CPU", "EPU1"}) {
    const auto id = b.add({F("class_hint", "io_adapter", "pn_dcp"), F("product", module, "pn_dcp")});
    EXPECT_EQ(b.of(id).device_class, "io_adapter") << module;
  }
  // A CIP Identity device type PLC is the controller's own statement too.
  const auto logix = b.add({F("class_hint", "switch", "lldp"),
                            F("device_type", "Programmable Logic Controller", "enip_list_identity")});
  EXPECT_EQ(b.of(logix).device_class, "plc");
  EXPECT_EQ(b.of(logix).source, "enip_list_identity");
  EXPECT_EQ(b.of(logix).reasons[0], "device type \"Programmable Logic Controller\" (enip_list_identity)");
  const auto dcp_plc = b.add({F("class_hint", "plc", "pn_dcp")});
  EXPECT_EQ(b.of(dcp_plc).device_class, "plc");
  EXPECT_EQ(b.of(dcp_plc).reasons[0], "says it is a plc (pn_dcp)");
}

// One PLC seen through ENIP identity, an HTTP Server header and LLDP; an HMI
// polling it; an engineering workstation uploading its program; a SCADA server
// polling three Modbus PLCs.
TEST(Classify, OneDeviceSeveralProtocols) {
  Builder b;
  const auto plc = b.add({F("vendor", "Rockwell Automation/Allen-Bradley", "enip_list_identity"),
                          F("product", "1756-L81E/B", "enip_list_identity"),
                          F("device_type", "Programmable Logic Controller", "enip_list_identity"),
                          F("http_server", "GoAhead-Webs", "http"), F("description", "ControlLogix", "lldp"),
                          F("os", "embedded (no TCP options)", "tcp_fingerprint")},
                         {"enip", "http", "lldp"});
  const auto hmi = b.add({});
  const auto ews = b.add({F("os", "Windows", "tcp_fingerprint")});
  const auto scada = b.add({});
  b.edge(hmi, plc, "enip", 44818);
  EdgeOp up;
  up.protocol = "cip";
  up.name = "file_upload";
  up.is_control = true;
  b.edge(ews, plc, "enip", 44818, {up});
  for (int i = 0; i < 3; ++i) b.edge(scada, b.add({}), "modbus", 502);
  const auto c = b.of(plc);
  EXPECT_EQ(c.device_class, "plc");
  EXPECT_EQ(c.purdue_level, 1);
  EXPECT_EQ(c.source, "enip_list_identity");
  ASSERT_EQ(c.reasons.size(), 6u);
  EXPECT_EQ(c.reasons[0], "device type \"Programmable Logic Controller\" (enip_list_identity)");
  EXPECT_EQ(c.reasons[3], "LLDP says ControlLogix");
  EXPECT_EQ(c.reasons[4], "web server GoAhead-Webs (http)");
  EXPECT_EQ(b.of(hmi).device_class, "hmi");
  EXPECT_EQ(b.of(ews).device_class, "engineering_workstation");
  EXPECT_EQ(b.of(scada).device_class, "scada_server");
  // Deterministic: the same ledger, the same answer.
  EXPECT_EQ(b.of(plc).reasons, c.reasons);
}

}  // namespace
}  // namespace mieruka::inventory
