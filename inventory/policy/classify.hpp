// Device class and Purdue level of an asset, from what the ledger knows: facts
// (class_hint, role, device_type, description, product, model, vendor, name,
// http_server, os), protocols, and the asset's edges (which protocols it serves,
// which it opens, to how many peers, with which operations: engineering ones such
// as program transfer and RUN/STOP, or cyclic reads), its parent/route and its
// children. A CPU's own identity (S7 SZL, SLMP type name, a "CPU 1516" product or
// "6ES7 516-..." order number) decides before anything the network says of it.
// Rules are a data table in classify.cpp, evaluated in priority order; the first
// that matches names the class and its reason. Pure and deterministic: the same
// ledger gives the same answer (iteration is in the ledger's order, ties broken
// by the table).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory/ledger/ledger.hpp"

namespace mieruka::inventory {

struct Classification {
  std::string device_class;         // one of the contract's classes ("unknown" when no rule matched)
  std::optional<int> purdue_level;  // 0-5, null for classes that sit at no single level
  std::vector<std::string> reasons; // the rule's reason first, then supporting evidence
  // The same reasons as evidence (a "why." kind of the catalog, evidence.hpp,
  // with its values): `reasons` is their English rendering.
  std::vector<nlohmann::json> reason_values;
  // The source of the deciding fact when one fact decided (class_hint from "lldp",
  // device_type from "enip_list_identity"), else "classify"; empty for unknown.
  std::string source;
};

// Each asset's edges and children, indexed once per ledger: classifying every
// asset by scanning every edge for each was quadratic (25 s at 40,000 assets).
// Valid while the ledger is not changed; build it again after a change.
class AssetLinks {
 public:
  explicit AssetLinks(const Ledger& ledger);
  // The live edges with the asset at either end, in the ledger's edge order
  // (so that "the first" of anything is the same as in a scan of all edges).
  [[nodiscard]] std::span<const EdgeIndex> edges_of(AssetIndex a) const noexcept;
  // The assets whose parent is `a`.
  [[nodiscard]] std::span<const AssetIndex> children_of(AssetIndex a) const noexcept;

 private:
  // Compressed rows: the entries of asset a are [start[a], start[a + 1]).
  std::vector<std::uint32_t> edge_start_, child_start_;
  std::vector<EdgeIndex> edges_;
  std::vector<AssetIndex> children_;
};

// For every asset of a ledger, pass the ledger's AssetLinks.
[[nodiscard]] Classification classify(const Ledger& ledger, const Asset& asset, const AssetLinks& links);
// For one asset: scans the ledger's edges and assets once (O(assets + edges)).
[[nodiscard]] Classification classify(const Ledger& ledger, const Asset& asset);

// The Purdue level a class sits at by default (null for switch, router, camera,
// remote_access_gateway, wireless_*, unknown: they sit at any level).
[[nodiscard]] std::optional<int> purdue_level_of(std::string_view device_class) noexcept;

}  // namespace mieruka::inventory
