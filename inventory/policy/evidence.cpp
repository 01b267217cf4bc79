// The evidence catalog and its renderer (see evidence.hpp for the syntax).
// A new shape of evidence gets a kind here with both languages; the unit test
// walks the table and the kinds the finding engine emits.
#include "inventory/policy/evidence.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "inventory/policy/local_time.hpp"

namespace mieruka::inventory {
namespace {

using std::string_view;

// One row per kind: English (the finding's `evidence` text, unchanged for
// readers of the text) and Japanese. Kinds with a dot are parts other kinds
// name as values (a reason, a list element, a state).
const std::vector<EvidenceTemplate> kTemplates = {
    // Why a device counts as OT equipment.
    {"ot.speaks", "speaks {protocol}", "{protocol} を使用"},
    {"ot.classed", "classed {class:class}", "種別 {class:class}"},
    {"ot.made_by", "made by {vendor} ({source})", "メーカー {vendor} ({source})"},
    // Why a device has its class (inventory/policy/classify.cpp: the deciding
    // rule's reason, then the facts that support it).
    {"why.beacons", "sends 802.11 beacons", "802.11 ビーコンを送信"},
    {"why.capabilities", "{source} capabilities say {class:class}", "{source} の機能情報では {class:class}"},
    {"why.says_class", "says it is a {class:class} ({source})", "自ら {class:class} と申告 ({source})"},
    {"why.device_type", "device type \"{type}\" ({source})", "デバイスタイプ \"{type}\" ({source})"},
    {"why.device_type_io", "device type \"{type}\" ({source}) and target of class-1 I/O connections",
     "デバイスタイプ \"{type}\" ({source})、クラス1 I/O 接続の宛先"},
    {"why.names_cpu", "names a CPU: {field} {value} ({source})", "CPU を示す: {field} {value} ({source})"},
    {"why.routing", "forwards traffic for hosts in several subnets (ip_routing)",
     "複数サブネットのホストの通信を転送 (ip_routing)"},
    {"why.remote_maker", "names a remote-access gateway maker: {text}", "リモートアクセスゲートウェイのメーカー名: {text}"},
    {"why.meter_word", "meter: {text}", "計測器: {text}"},
    {"why.drive_word", "names a drive: {text}", "ドライブを示す名前: {text}"},
    {"why.cip_module", "module at {route} behind {parent} (CIP route)", "{parent} の配下 {route} のモジュール (CIP 経路)"},
    {"why.modbus_unit", "Modbus {route} behind gateway {parent}", "ゲートウェイ {parent} の配下の Modbus {route}"},
    {"why.modbus_gateway", "its Modbus server answers for {count} unit ids",
     "Modbus サーバーが {count} 個のユニット ID に応答"},
    {"why.answers", "answers {protocol} on {port} as server", "{protocol} にポート {port} でサーバーとして応答"},
    {"why.role", "role {role}", "役割 {role}"},
    {"why.engineering", "sends programming/control operations ({operation}) to {peer}",
     "{peer} にプログラム転送・制御操作 ({operation}) を送信"},
    {"why.historian_name", "names a historian: {text}", "ヒストリアンを示す名前: {text}"},
    {"why.historian", "collects data (OPC UA / industrial client) and serves {service} on {port}",
     "データを収集 (OPC UA・産業用クライアント) し、{service} をポート {port} で提供"},
    {"why.historian_port", "collects data (OPC UA / industrial client) and serves {service}",
     "データを収集 (OPC UA・産業用クライアント) し、{service} を提供"},
    {"why.scada", "polls {count} controllers over industrial protocols",
     "産業用プロトコルで {count} 台のコントローラーをポーリング"},
    {"why.hmi", "client of {protocols} to {count} controller(s), e.g. {peer}",
     "{count} 台のコントローラーへの {protocols} クライアント (例: {peer})"},
    {"why.serves", "serves {service}[ ({port})]", "{service} を提供[ ({port})]"},
    {"why.camera_maker", "camera maker: {text}", "カメラのメーカー: {text}"},
    {"why.printing", "serves printing on {port}", "ポート {port} で印刷サービスを提供"},
    {"why.printing_service", "announces printing service {service}", "印刷サービス {service} を告知"},
    {"why.serves_on", "serves {service} on {port}", "{service} をポート {port} で提供"},
    {"why.opcua_client", "OPC UA client", "OPC UA クライアント"},
    {"why.tunnel_serves", "serves {service} (remote access/VPN) on {port}",
     "{service} (リモートアクセス/VPN) をポート {port} で提供"},
    {"why.tunnel_opens", "opens {service} (remote access/VPN) to {count} peer(s)",
     "{count} 台の相手に {service} (リモートアクセス/VPN) で接続"},
    {"why.tunnel_serves_port", "serves {service}, remote access/VPN", "{service} を提供 (リモートアクセス/VPN)"},
    {"why.tunnel_opens_port", "opens {service}, remote access/VPN, to {count} peer(s)",
     "{count} 台の相手に {service} で接続 (リモートアクセス/VPN)"},
    {"why.wireless", "seen on 802.11", "802.11 上で観測"},
    {"why.os", "OS {os} ({source})", "OS は {os} ({source})"},
    {"why.it_client", "IT client ({service})", "IT クライアント ({service})"},
    {"why.vendor", "vendor {vendor} ({source})", "メーカー {vendor} ({source})"},
    {"why.product", "product {product} ({source})", "製品 {product} ({source})"},
    {"why.says", "{source} says {text}", "{source} の申告: {text}"},
    {"why.web_server", "web server {server} (http)", "Web サーバー {server} (http)"},
    {"why.web_realm", "web realm {realm} (http)", "Web 認証領域 {realm} (http)"},
    {"why.os_fact", "os {os} ({source})", "OS は {os} ({source})"},
    {"why.also_it", "also an IT client (smb/rdp)", "IT クライアントでもある (smb/rdp)"},
    {"why.also_it_ports", "also an IT client (smb/rdp ports)", "IT クライアントでもある (smb/rdp のポート)"},
    // Traffic judged by its port, never named as the protocol (service_ports.hpp).
    {"port.registered", "{transport} port {port} (registered for {service})",
     "{transport} ポート {port} ({service} の登録ポート)"},
    // Not on the approved list.
    {"unapproved",
     "{device} ({class:class}) not on the approved list {list}; protocols {protocols}[; vendor {vendor}]{served}",
     "{device} ({class:class}) は承認リスト {list} にありません; プロトコル {protocols}[; ベンダー {vendor}]{served}"},
    {"hidden_ot",
     "OT equipment {ot}; {device} ({class:class}) not on the approved list {list}; protocols {protocols}[; vendor "
     "{vendor}]{served}",
     "OT機器 ({ot}); {device} ({class:class}) は承認リスト {list} にありません; プロトコル {protocols}[; ベンダー "
     "{vendor}]{served}"},
    {"hidden_remote",
     "reaches {service} ({name}); {device} ({class:class}) not on the approved list {list}; protocols {protocols}[; "
     "vendor {vendor}]{served}",
     "{service} ({name}) に接続; {device} ({class:class}) は承認リスト {list} にありません; プロトコル {protocols}[; "
     "ベンダー {vendor}]{served}"},
    {"served", "; serves {service} ({packets} packets)", "; {service} を提供 ({packets} パケット)"},
    {"hidden_behind", "device behind {parent} at route {route} ({class:class}); seen only through its parent",
     "{parent} の配下 (経路 {route}) の機器 ({class:class}); 親機器を通してのみ観測"},
    {"hidden_silent",
     "{device} seen only as a receiver: {packets} packets to it from {from/, }, none from it[; OT equipment {ot}]",
     "{device} は受信側としてのみ観測: {from/、} から {packets} パケット、送信なし[; OT機器 ({ot})]"},
    // Radios.
    {"wireless", "{radio} {mac} ({list})[; SSID {ssid}][; looks for SSID {probe_ssid}]",
     "{radio} {mac} ({list})[; SSID {ssid}][; SSID {probe_ssid} を探索]"},
    {"radio.ap", "access point", "アクセスポイント"},
    {"radio.station", "wireless device", "無線機器"},
    {"allow_list.unlisted", "not on the wireless allow-list", "無線許可リストにありません"},
    {"allow_list.none", "no wireless allow-list given", "無線許可リストの指定なし"},
    // Zones.
    {"cross_zone_dual",
     "dual-homed: host {host} has one network card in zone {zone_a} ({device_a}) and one in zone {zone_b} "
     "({device_b}), bridging the zones around any conduit",
     "デュアルホーム: ホスト {host} はゾーン {zone_a} ({device_a}) とゾーン {zone_b} ({device_b}) "
     "にネットワークカードを1枚ずつ持ち、コンジットを経ずにゾーンをつないでいます"},
    {"cross_zone_multi", "{device} present in zones {zones/, } (dual-homed or bridging)",
     "{device} はゾーン {zones/、} に存在 (デュアルホームまたはブリッジ)"},
    {"cross_zone_edge",
     "{from} ({from_zone}) -> {to} ({to_zone}) over {protocol} port {port}: no conduit allows it; {packets} packets",
     "{from} ({from_zone}) -> {to} ({to_zone}) {protocol} ポート {port}: 許可するコンジットがありません; "
     "{packets} パケット"},
    // Writes and control.
    {"new_writer",
     "first {protocol} {operation} to {server} at {first:time}, {delay_s} s after the conversation was first seen "
     "({conversation_first:time}); {count} writes",
     "{server} への最初の {protocol} {operation}: {first:time}、通信の初観測 ({conversation_first:time}) から {delay_s} "
     "秒後; 書き込み {count} 回"},
    {"control", "{protocol} {operation} ({code}) to {server}: {count} times, {first:time} to {last:time}",
     "{server} への {protocol} {operation} ({code}): {count} 回、{first:time} 〜 {last:time}"},
    // Remote access.
    {"remote_port_in", "{port} from {outside} into ({packets} packets, {first:time} to {last:time}) {inside}",
     "{outside} から {inside} への {port} ({packets} パケット、{first:time} 〜 {last:time})"},
    {"remote_port_out", "{port} to {outside} from ({packets} packets, {first:time} to {last:time}) {inside}",
     "{inside} から {outside} への {port} ({packets} パケット、{first:time} 〜 {last:time})"},
    {"remote_proto_in",
     "{protocol} from {outside} into on port {port} ({packets} packets, {first:time} to {last:time}) {inside}",
     "{outside} から {inside} への {protocol} ポート {port} ({packets} パケット、{first:time} 〜 {last:time})"},
    {"remote_proto_out",
     "{protocol} to {outside} from on port {port} ({packets} packets, {first:time} to {last:time}) {inside}",
     "{inside} から {outside} への {protocol} ポート {port} ({packets} パケット、{first:time} 〜 {last:time})"},
    {"remote_gateway", "{device}: remote-maintenance gateway ({why})", "{device}: リモート保守ゲートウェイ ({why})"},
    {"remote_service", "{device} ({class:class}) reaches {service} ({service_kind}): {names/, }",
     "{device} ({class:class}) が {service} ({service_kind}) に接続: {names/、}"},
    {"lookup.dns", "DNS {name} ({count}x)", "DNS {name} ({count} 回)"},
    {"lookup.tls", "TLS {name} ({count}x)", "TLS {name} ({count} 回)"},
    // The internet and mail.
    {"mail_port", "connects to {port} of {server}: {packets} packets", "{server} の {port} に接続: {packets} パケット"},
    {"mail_proto", "sends mail ({protocol} port {port}) to {server}: {packets} packets",
     "{server} にメールを送信 ({protocol} ポート {port}): {packets} パケット"},
    {"internet_public", "OT equipment ({ot}) talks {protocol} port {port} to public {server}: {packets} packets",
     "OT機器 ({ot}) がグローバルアドレス {server} と {protocol} ポート {port} で通信: {packets} パケット"},
    {"public_dns", "OT equipment ({ot}) asks DNS for public names: {names/, }[ and {more} more]",
     "OT機器 ({ot}) がグローバルな名前を DNS で問い合わせ: {names/、}[ ほか {more} 件]"},
    {"dns_name", "{name} ({count}x)", "{name} ({count} 回)"},
    // Insecure use.
    {"cleartext_port", "receives traffic on {port}, a cleartext login, from {client}",
     "{client} から平文ログインの {port} で通信を受信"},
    {"cleartext_proto", "serves {protocol} (cleartext login) on port {port}, used by {client}",
     "{protocol} (平文ログイン) をポート {port} で提供、{client} が利用"},
    {"security_fact", "{fact} ({source}), seen {count} times, {first:time} to {last:time}",
     "{fact} ({source}): {count} 回観測、{first:time} 〜 {last:time}"},
    // Published advisories.
    {"vulnerable",
     "{advisory} {title}: {cves/,}[; CVSS {cvss}][ {cvss_vector}]; {confidence}: {why}[; published {published}][; "
     "remediation {remediation}][; state {state}]",
     "{advisory} {title}: {cves/,}[; CVSS {cvss}][ {cvss_vector}]; {confidence}: {why}[; 公開日 {published}][; "
     "対策 {remediation}][; 状態 {state}]"},
    // The checklist report's evidence lines (inventory/report/checklist.cpp).
    {"cl.device", "{device}[ ({ip})] {class:class}{facts}", "{device}[ ({ip})] 種別 {class:class}{facts}"},
    {"cl.vendor", "; vendor {value}", "; メーカー {value}"},
    {"cl.product", "; product {value}", "; 製品 {value}"},
    {"cl.name", "; name {value}", "; 名前 {value}"},
    {"cl.finding", "{type}: {evidence}", "【{type}】{evidence}"},
    {"cl.edge", "{from} -> {to} {protocol} port {port}: {packets} packets, {first} to {last}",
     "{from} -> {to} {protocol} ポート {port}: {packets} パケット、{first} 〜 {last}"},
    {"cl.edge_external", "{from} -> {to} {protocol} port {port}: {packets} packets, {first} to {last}; external",
     "{from} -> {to} {protocol} ポート {port}: {packets} パケット、{first} 〜 {last}; 外部との通信"},
    {"cl.diagram", "topology: {nodes} nodes, {edges} edges, {clusters} clusters (grouping {grouping})",
     "構成図: ノード {nodes}、エッジ {edges}、クラスタ {clusters} (グループ分け {grouping})"},
    {"grouping.zones", "zones", "ゾーン"},
    {"grouping.vlan_subnet", "vlan_subnet", "VLAN・サブネット"},
    {"cl.new_device", "first seen {first}: {device}[; {approved}]", "初回確認 {first}: {device}[; {approved}]"},
    {"cl.approved", "approved", "承認済み"},
    {"cl.not_approved", "not approved", "未承認"},
    {"cl.version", "{device}: {facts/; }", "{device}: {facts/、}"},
    {"cl.version.os", "os {value} ({source})", "OS {value} ({source})"},
    {"cl.version.product", "product {value} ({source})", "製品 {value} ({source})"},
    {"cl.version.revision", "revision {value} ({source})", "リビジョン {value} ({source})"},
    {"cl.version.description", "description {value} ({source})", "説明 {value} ({source})"},
    {"cl.eos", "{device}: {product} {status} since {date} ({field} \"{value}\"; source: {source})",
     "{device}: {product} は {date} から{status} ({field} \"{value}\"、出典: {source})"},
    {"cl.end_of_support", "end_of_support", "サポート終了"},
    {"cl.advisory", "{device}: {advisory} {title}; {cves/,}[; CVSS {cvss}]; {confidence}; state {state}[ ({comment})]",
     "{device}: {advisory} {title}; {cves/,}[; CVSS {cvss}]; {confidence}; 状態 {state}[ ({comment})]"},
    {"cl.serves", "{device}: serves {services/, }", "{device}: {services/、} を提供"},
    {"cl.serves_nothing", "{device}: serves nothing observed", "{device}: 提供する通信は観測されていません"},
    {"cl.client", "{service} ({count} client)", "{service} (クライアント {count})"},
    {"cl.clients", "{service} ({count} clients)", "{service} (クライアント {count})"},
    {"cl.segment", "{device}: zones {zones}; vlans {vlans}; subnets {subnets}",
     "{device}: ゾーン {zones}; VLAN {vlans}; サブネット {subnets}"},
    {"cl.detection",
     "live capture {coverage}% of {from} to {to}; {packets} packets, {drops} dropped; {scheduled} scheduled snapshots "
     "of {slots} slots; snapshots stored: {snapshots}",
     "ライブキャプチャ {from} 〜 {to} の {coverage}%; {packets} パケット、取りこぼし {drops}; 定期スナップショット "
     "{scheduled} / {slots} 回; 保存済みスナップショット: {snapshots}"},
    {"cl.pointer", "{command}", "新しい機器の受け入れレポート: {command}"},
    {"state.open", "open", "未対応"},
    // Why an advisory's product names the device (inventory/advisories/match.cpp):
    // the product's name is the advisory's own, as it is written.
    {"match", "{hit} = \"{product}\"{firmware}", "{hit} が \"{product}\" に該当{firmware}"},
    {"match.model_number", "model number {model}", "型番 {model}"},
    {"match.cpe", "CPE names {model}", "CPE が {model} を指定"},
    {"match.model", "model {model}", "機種 {model}"},
    {"match.model_series", "model {model} in the {series} series", "{series} シリーズの機種 {model}"},
    {"match.family", "family {family}", "製品ファミリー {family}"},
    {"firmware.unreadable", "; affected versions \"{range}\" cannot be read as firmware versions",
     "; 影響を受けるバージョン \"{range}\" はファームウェアのバージョンとして読めません"},
    {"firmware.unknown_all", "; firmware unknown, all versions affected", "; ファームウェア不明、全バージョンが影響を受けます"},
    {"firmware.all", "; firmware {firmware}, all versions affected", "; ファームウェア {firmware}、全バージョンが影響を受けます"},
    {"firmware.unknown", "; firmware unknown, affected {range}", "; ファームウェア不明、影響を受けるバージョン {range}"},
    {"firmware.in", "; firmware {firmware} in {range}", "; ファームウェア {firmware} は影響範囲 {range} に該当"},
    {"firmware.incomparable", "; firmware {firmware} cannot be compared with {range}",
     "; ファームウェア {firmware} は {range} と比較できません"},
    {"range.none", "(no version named)", "(バージョンの記載なし)"},
    // The vendor's remediation by its CSAF category; its text is the vendor's own.
    {"remediation.vendor_fix", "vendor_fix: {text}", "修正版: {text}"},
    {"remediation.mitigation", "mitigation: {text}", "緩和策: {text}"},
    {"remediation.workaround", "workaround: {text}", "回避策: {text}"},
    {"remediation.no_fix_planned", "no_fix_planned: {text}", "修正予定なし: {text}"},
    {"remediation.none_available", "none_available: {text}", "対策なし: {text}"},
    {"remediation.fix_planned", "fix_planned: {text}", "修正予定: {text}"},
    {"remediation.optional_patch", "optional_patch: {text}", "任意のパッチ: {text}"},
    {"confidence.confirmed", "confirmed", "確定"},
    {"confidence.possible", "possible", "可能性"},
    {"state.not_remediated", "not_remediated", "未対策"},
    {"state.in_progress", "in_progress", "対策中"},
    {"state.remediated", "remediated", "対策済み"},
    {"state.not_affected", "not_affected", "該当せず"},
    {"state.compensated", "compensated", "代替策"},
};

const std::vector<TypeName> kTypeNames = {
    {"unapproved", "unapproved", "未承認機器"},
    {"hidden", "hidden OT device", "未承認のOT機器"},
    {"wireless", "wireless", "無線"},
    {"cross_zone", "across zones", "ゾーン間通信"},
    {"remote_access", "remote access", "リモートアクセス"},
    {"internet", "internet", "インターネット通信"},
    {"insecure", "insecure", "安全でない設定"},
    {"new_writer", "new writer", "新たな書き込み元"},
    {"control", "control command", "制御コマンド"},
    {"vulnerable", "published advisory", "公開アドバイザリ該当"},
};

// The device classes (inventory/render/export.cpp kClasses) by name, the one
// table the evidence and the reports (messages.hpp "class.<code>") read.
const std::vector<ClassName> kClassNames = {
    {"plc", "PLC", "PLC"},
    {"io_adapter", "I/O adapter", "I/Oアダプタ"},
    {"io_module", "I/O module", "I/Oモジュール"},
    {"drive", "drive", "ドライブ"},
    {"meter", "meter", "計測器"},
    {"field_device", "field device", "フィールド機器"},
    {"hmi", "HMI", "HMI (表示器)"},
    {"engineering_workstation", "engineering workstation", "エンジニアリング端末"},
    {"scada_server", "SCADA server", "SCADAサーバ"},
    {"historian", "historian", "ヒストリアン"},
    {"opcua_server", "OPC UA server", "OPC UAサーバ"},
    {"opcua_client", "OPC UA client", "OPC UAクライアント"},
    {"switch", "switch", "スイッチ"},
    {"router", "router", "ルータ"},
    {"protocol_gateway", "protocol gateway", "プロトコル変換器"},
    {"remote_access_gateway", "remote access gateway", "リモートアクセス機器"},
    {"wireless_ap", "wireless access point", "無線アクセスポイント"},
    {"wireless_station", "wireless station", "無線端末"},
    {"camera", "camera", "カメラ"},
    {"printer", "printer", "プリンタ"},
    {"it_host", "IT host", "IT機器"},
    {"unknown", "unknown", "不明"},
};

constexpr int kMaxDepth = 6;  // values nest a kind in a kind at most this deep

bool missing(const nlohmann::json* v) {
  return v == nullptr || v->is_null() || (v->is_string() && v->get_ref<const std::string&>().empty()) ||
         (v->is_array() && v->empty());
}

// How a rendering reads: the language and the zone its times are shown in.
struct Style {
  string_view lang, zone;
};

void render(string_view tpl, const nlohmann::json& values, const Style& st, int depth, std::string& out);

void render_value(const nlohmann::json& v, string_view sep, const Style& st, int depth, std::string& out) {
  if (v.is_string()) {
    out += v.get_ref<const std::string&>();
  } else if (v.is_number_integer() || v.is_number_unsigned()) {
    out += v.dump();
  } else if (v.is_number_float()) {
    out += fmt::format("{}", v.get<double>());
  } else if (v.is_boolean()) {
    out += v.get<bool>() ? "true" : "false";
  } else if (v.is_array()) {
    bool first = true;
    for (const auto& e : v) {
      if (!first) out += sep;
      first = false;
      render_value(e, sep, st, depth, out);
    }
  } else if (v.is_object()) {
    const auto k = v.find("kind");
    if (k == v.end() || !k->is_string() || depth >= kMaxDepth) {
      out += v.dump();
      return;
    }
    const std::string& kind = k->get_ref<const std::string&>();
    if (kind.starts_with("type.")) {  // a finding type: its name
      out += finding_type_name(string_view(kind).substr(5), st.lang);
      return;
    }
    const EvidenceTemplate* t = evidence_template(kind);
    if (t == nullptr) {
      out += v.dump();
      return;
    }
    render(st.lang == "ja" ? t->ja : t->en, v, st, depth + 1, out);
  }
}

// A typed value ({name:class}, {name:time}): a string read through its table
// or clock; any other value renders as render_value does.
void render_typed(const nlohmann::json& v, string_view type, string_view sep, const Style& st, int depth,
                  std::string& out) {
  if (v.is_string() && type == "class") {
    const std::string& code = v.get_ref<const std::string&>();
    if (st.lang == "ja")
      out += class_name(code, st.lang);
    else
      out += code;
  } else if (v.is_string() && type == "time") {
    out += local_time_of_iso(v.get_ref<const std::string&>(), st.zone);
  } else {
    render_value(v, sep, st, depth, out);
  }
}

// One placeholder "{name[:type][/sep]}" starting at tpl[i] == '{': its name,
// type and separator, and the index after its '}' (npos when it does not close).
struct Placeholder {
  string_view name, type, sep;
  std::size_t end = string_view::npos;
};
Placeholder placeholder(string_view tpl, std::size_t i) {
  Placeholder p;
  const std::size_t close = tpl.find('}', i);
  if (close == string_view::npos) return p;
  string_view body = tpl.substr(i + 1, close - i - 1);
  const std::size_t slash = body.find('/');
  if (slash != string_view::npos) p.sep = body.substr(slash + 1);
  const string_view head = body.substr(0, slash);
  const std::size_t colon = head.find(':');
  p.name = head.substr(0, colon);
  if (colon != string_view::npos) p.type = head.substr(colon + 1);
  p.end = close + 1;
  return p;
}

const nlohmann::json* lookup(const nlohmann::json& values, string_view name) {
  if (!values.is_object()) return nullptr;
  const auto it = values.find(std::string(name));
  return it == values.end() ? nullptr : &*it;
}

void render(string_view tpl, const nlohmann::json& values, const Style& st, int depth, std::string& out) {
  std::size_t i = 0;
  while (i < tpl.size()) {
    const char ch = tpl[i];
    if (ch == '[') {
      const std::size_t close = tpl.find(']', i);
      if (close == string_view::npos) {
        out += tpl.substr(i);
        return;
      }
      const string_view part = tpl.substr(i + 1, close - i - 1);
      bool complete = true;
      for (std::size_t j = part.find('{'); j != string_view::npos; j = part.find('{', j + 1))
        if (missing(lookup(values, placeholder(part, j).name))) complete = false;
      if (complete) render(part, values, st, depth, out);
      i = close + 1;
    } else if (ch == '{') {
      const Placeholder p = placeholder(tpl, i);
      if (p.end == string_view::npos) {
        out += tpl.substr(i);
        return;
      }
      if (const nlohmann::json* v = lookup(values, p.name)) render_typed(*v, p.type, p.sep, st, depth, out);
      i = p.end;
    } else {
      const std::size_t next = tpl.find_first_of("[{", i);
      out += tpl.substr(i, next == string_view::npos ? string_view::npos : next - i);
      i = next == string_view::npos ? tpl.size() : next;
    }
  }
}

}  // namespace

const std::vector<EvidenceTemplate>& evidence_templates() { return kTemplates; }

const EvidenceTemplate* evidence_template(std::string_view kind) noexcept {
  for (const auto& t : kTemplates)
    if (t.kind == kind) return &t;
  return nullptr;
}

std::string render_evidence(std::string_view kind, const nlohmann::json& values, std::string_view lang,
                            std::string_view zone) {
  std::string out;
  const EvidenceTemplate* t = evidence_template(kind);
  if (t == nullptr) return std::string(kind) + " " + values.dump();
  render(lang == "ja" ? t->ja : t->en, values, Style{lang, zone}, 0, out);
  return out;
}

std::vector<std::string> template_names(std::string_view tpl) {
  std::vector<std::string> out;
  for (std::size_t i = tpl.find('{'); i != string_view::npos; i = tpl.find('{', i + 1)) {
    const Placeholder p = placeholder(tpl, i);
    if (p.end == string_view::npos) break;
    std::string n(p.name);
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(std::move(n));
  }
  return out;
}

std::string_view finding_type_name(std::string_view type, std::string_view lang) noexcept {
  for (const auto& t : kTypeNames)
    if (t.type == type) return lang == "ja" ? t.ja : t.en;
  return type;
}

const std::vector<TypeName>& finding_type_names() { return kTypeNames; }

const ClassName* find_class_name(std::string_view code) noexcept {
  for (const auto& c : kClassNames)
    if (c.code == code) return &c;
  return nullptr;
}

std::string_view class_name(std::string_view code, std::string_view lang) noexcept {
  const ClassName* c = find_class_name(code);
  if (c == nullptr) return code;
  return lang == "ja" ? c->ja : c->en;
}

const std::vector<ClassName>& class_names() { return kClassNames; }

}  // namespace mieruka::inventory
