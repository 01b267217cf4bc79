// The finding engine: what does not belong, tied to the METI checklist items
// (../shared/CHECKLIST.md) in the shape of ../shared/INTERFACES.md "A finding".
// Pure functions of the ledger and the plant's policy; no I/O. The findings
// state (acknowledgements) is stored by the caller (sensor/delivery/findings_inputs).
//
// Types, items and severities (kSeverities in findings.cpp is the table):
//   unapproved    2-6  medium  on the wire, not on the approved list, not OT
//   hidden        2-6  high    OT equipment not approved (industrial protocol,
//                              OT vendor OUI or OT class); medium: devices seen
//                              only indirectly (receivers that never answer,
//                              modules behind a CIP route, Modbus unit ids)
//   wireless      2-7  high    802.11 stations / APs not on the allow-list
//   cross_zone    3-5  high    a conversation between zones no conduit allows;
//                              medium: a device present in two zones
//   remote_access 3-6  high    VPN/RDP/VNC/TeamViewer/SSH to or from outside the
//                              private ranges; remote-maintenance gateways
//   internet      2-3  medium  OT equipment talking to public IPs; mail (SMTP)
//   insecure      3-7  medium  security facts (OPC UA None, SNMP public, ...),
//                              telnet and ftp in use
//   new_writer    3-7  high    a client's first write to a server, later than the
//                              conversation's first sight by > the learning period
//   control       3-7  high    remote RUN/STOP, program download, password unlock
//   vulnerable    3-2  high    an imported advisory (inventory/advisories) matches
//                              the device's maker and product (confirmed: and
//                              its firmware is in the affected range; possible:
//                              the firmware is unknown); medium below CVSS 9.0.
//                              One per asset and advisory; also evidence for
//                              4-3 and 2-8. A remediated or not_affected state
//                              quiets it like an acknowledgement.
//
// Ids: "f-" + 16 hex of FNV-1a over "type|asset|key" (key: the peer, protocol or
// value the finding is about), stable across runs. `material` is the qualitative
// evidence (no counts or times): an acknowledgement holds while it is unchanged.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory/advisories/advisory.hpp"
#include "inventory/ledger/ledger.hpp"
#include "inventory/policy/policy.hpp"

namespace mieruka::inventory {

// What a `vulnerable` finding says about its advisory (empty for other types).
struct AdvisoryEvidence {
  std::string advisory, title;
  std::vector<std::string> cves;
  double cvss = -1;  // highest CVSS v3 base score of those CVEs; -1: none given
  std::string cvss_vector;
  std::string confidence;   // "confirmed" or "possible"
  std::string why;          // the matcher's reason
  nlohmann::json why_values;  // the same as evidence (kind "match"); null: only the text is known
  std::string remediation;  // the vendor's, in Japanese when the advisory has it
  // The same as evidence: a "remediation.<category>" kind with the vendor's
  // text, or the text alone; null: only `remediation` is known.
  nlohmann::json remediation_values;
  std::string published;    // the advisory's initial release
  std::string state;        // remediation state: "open" or a kRemediationStates value
};

struct Finding {
  std::string id, type, asset, mac, ip, item, severity;
  std::string evidence;       // evidence_kind's English template filled with evidence_values
  std::string evidence_kind;  // a kind of the catalog (evidence.hpp)
  // The evidence as data (its values for evidence_kind's template), shared: a
  // console write's view copies the findings, not their evidence.
  std::shared_ptr<const nlohmann::json> evidence_data;
  [[nodiscard]] const nlohmann::json& evidence_values() const noexcept {
    static const nlohmann::json kNone;
    return evidence_data ? *evidence_data : kNone;
  }
  void set_evidence_values(nlohmann::json values) {
    evidence_data = std::make_shared<const nlohmann::json>(std::move(values));
  }
  std::string plant_name;  // the asset's name on the approved list (empty: none)
  std::string material;  // what an acknowledgement was given for
  std::int64_t first_us = 0, last_us = 0;
  bool acknowledged = false;
  std::string comment;  // the acknowledgement's comment
  AdvisoryEvidence vuln;  // type "vulnerable"
  // Raised only because the device is not on the approved list (unapproved,
  // hidden, an unlisted remote-maintenance gateway): listing the device ends
  // it. Not part of the finding's JSON; the console uses it to show an
  // approval at once (sensor/web).
  bool unlisted = false;
};

// The plant's remediation state of one CVE of an advisory on one asset
// (stored by the caller: `mieruka advisories state`, the console).
struct RemediationState {
  std::string asset_id, advisory_id, cve, state, comment, who;
  std::int64_t when_us = 0;
};
inline constexpr std::string_view kRemediationStates[] = {"not_remediated", "in_progress", "remediated",
                                                          "not_affected", "compensated"};
[[nodiscard]] bool is_remediation_state(std::string_view s) noexcept;
// The CVE key a state is stored under for a vulnerability without a CVE id.
[[nodiscard]] std::string remediation_key(const advisories::Vulnerability& v);

struct FindingsPolicy {
  const ApprovedList* approved = nullptr;          // null: no approved list given
  const WirelessAllowList* wireless = nullptr;     // null: no allow-list given
  const ZonePolicy* zones = nullptr;               // null or empty: no zone checks
  std::int64_t learning_period_us = 86'400'000'000LL;
  // Imported advisories (null: none) and when each was first imported (by id),
  // the time a `vulnerable` finding is first seen at the earliest; and the
  // plant's remediation states.
  const std::vector<advisories::Advisory>* advisories = nullptr;
  const std::map<std::string, std::int64_t>* advisory_imported_us = nullptr;
  const std::vector<RemediationState>* remediation = nullptr;
  // The stations of one host (Ledger::same_host_groups), by asset id, when
  // the ledger judged is a part of a larger one (FleetIndex::read): the
  // whole ledger's groups, not the part's, whose devices at the far ends of
  // links could pair otherwise. Null: the ledger's own.
  const std::vector<std::vector<std::string>>* host_groups = nullptr;
};

// An acknowledgement as stored: for finding `id`, given while its material
// hashed to `material_hash`.
struct Ack {
  std::string id, material_hash, comment, who;
  std::int64_t when_us = 0;
  // The evidence acknowledged, as data (empty kind: not known, acknowledged
  // before evidence was kept so).
  std::string evidence_kind;
  nlohmann::json evidence_values;
};

// One step of a finding's history: "opened" (its evidence first seen),
// "acknowledged" (who, when, the comment, the evidence accepted) or "reopened"
// (the evidence is no longer the one acknowledged: the same rule as
// apply_acks; when it changed is not known, so at_us is 0 and evidence_kind /
// evidence_values are what it is now, or what the next acknowledgement accepted).
struct HistoryEvent {
  std::string event;
  std::int64_t at_us = 0;
  std::string who, comment;
  std::string evidence_kind;
  nlohmann::json evidence_values;
};
// `acks`: every acknowledgement of `f`, oldest first.
[[nodiscard]] std::vector<HistoryEvent> finding_history(const Finding& f, const std::vector<Ack>& acks);

// The top-level evidence kinds the engine gives findings (each has a template
// in both languages in the catalog, evidence.cpp).
inline constexpr std::string_view kEvidenceKinds[] = {
    "unapproved",     "hidden_ot",        "hidden_remote",   "hidden_behind",   "hidden_silent",
    "wireless",       "cross_zone_dual",  "cross_zone_multi", "cross_zone_edge", "new_writer",
    "control",        "remote_port_in",   "remote_port_out", "remote_proto_in", "remote_proto_out",
    "remote_gateway", "remote_service",   "mail_port",       "mail_proto",      "internet_public",
    "public_dns",     "cleartext_port",   "cleartext_proto", "security_fact",   "vulnerable"};

// The finding's evidence in `lang` ("ja" or "en") from the catalog, its times
// in the IANA zone `zone` with the zone named (empty: ISO UTC, as stored).
[[nodiscard]] std::string evidence_text(const Finding& f, std::string_view lang, std::string_view zone = {});

[[nodiscard]] std::vector<Finding> compute_findings(const Ledger& ledger, const FindingsPolicy& policy);
// The findings of the devices `own` (ids) of `part`, a part of a larger
// ledger that holds them whole with every link at them, the devices behind
// them and the keys of the devices at the far ends of those links
// (FleetIndex::read, with policy.host_groups the whole ledger's): every
// finding names one device and rests on it, its links and its peers' keys,
// so these are the findings compute_findings makes of those devices over
// the whole ledger. Joined over parts that hold every device once, then
// put in order by sort_findings, they are its findings of the whole ledger.
[[nodiscard]] std::vector<Finding> compute_findings(const Ledger& part, const FindingsPolicy& policy,
                                                    const std::unordered_set<std::string>& own);
// compute_findings' order: by type, then id.
void sort_findings(std::vector<Finding>& findings);
// Marks findings acknowledged whose id has an ack with the same material hash.
void apply_acks(std::vector<Finding>& findings, const std::vector<Ack>& acks);
// The plant's remediation states applied to one `vulnerable` finding (the one
// rule compute_findings uses): its state is the least advanced of its CVEs'
// (a CVE without a stored state is not remediated), its comment the latest
// state's, and remediated or not_affected quiets it like an acknowledgement.
// Sets vuln.state, comment, acknowledged and the evidence text; stored
// acknowledgements are applied after it (apply_acks). Other types: unchanged.
void apply_remediation(Finding& f, const std::vector<RemediationState>& states);
[[nodiscard]] std::string finding_id(std::string_view type, std::string_view asset, std::string_view key);
[[nodiscard]] std::string material_hash(std::string_view material);
[[nodiscard]] std::string_view severity_of(std::string_view type) noexcept;
[[nodiscard]] std::string_view item_of(std::string_view type) noexcept;

// "open", "acknowledged", or for a vulnerable finding its remediation state
// when one was recorded ("in_progress", "compensated", "remediated", ...).
[[nodiscard]] std::string_view finding_state(const Finding& f) noexcept;

// The lists the finding engine judges by, for the reports that speak of the
// same things (inventory/report/checklist, inventory/report/acceptance): one list each. An OT
// protocol is one whose registry row says so (dissectors/registry.cpp).
[[nodiscard]] bool is_ot_protocol(std::string_view protocol) noexcept;
[[nodiscard]] bool is_ot_class(std::string_view device_class) noexcept;
// An edge whose confirmed protocol, or for a tcp/udp edge the service its port
// is registered for (service_ports.hpp), is remote access / a cleartext login.
[[nodiscard]] bool is_remote_access(const Edge& e) noexcept;
[[nodiscard]] bool is_cleartext_login(const Edge& e) noexcept;
// A routable address outside the private, link-local and group ranges.
[[nodiscard]] bool is_public_ip(const IpAddr& ip) noexcept;
// An asset that stands for a host outside the plant: IP-keyed with a public address.
[[nodiscard]] bool is_external_asset(const Asset& a);
// How findings and reports name an asset: its MAC, else its first IP, else
// parent/route.
[[nodiscard]] std::string asset_label(const Asset& a);

}  // namespace mieruka::inventory
