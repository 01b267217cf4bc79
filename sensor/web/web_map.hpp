// The console's network map (GET /api/v1/map): compact JSON for one level of
// the map, so the browser never loads the whole plant at once.
//   plant   zones (clusters of inventory/render/topology) with device counts, and the
//           traffic between zones summed per zone pair and protocol; a
//           conversation that raised an open cross_zone finding is a violation.
//   zone    the devices of one cluster (a device behind a parent keeps its
//           parent when the parent is in the same cluster), the conversations
//           inside it, and its traffic to other zones summed per (device, zone).
//   device  one device, its neighbours and every conversation with the
//           operations seen on it (reads, writes, control commands).
// Pure functions of the topology, the ledger and the findings: no I/O.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inventory/policy/findings.hpp"
#include "inventory/ledger/ledger.hpp"
#include "inventory/render/topology.hpp"

namespace mieruka::sensor::web {

struct MapQuery {
  std::string level = "plant";  // plant, zone, device
  std::string zone;             // level zone: a cluster id ("zone:cell-1", "none:")
  std::string id;               // level device: an asset id
};

// The cluster id of devices in no cluster.
inline constexpr const char* kNoCluster = inventory::kNoClusterName.data();

// Reads level/zone/id; false with `error` set (one line) on a bad value.
[[nodiscard]] bool parse_map_query(const std::multimap<std::string, std::string>& params, MapQuery& q,
                                   std::string& error);
// The level's JSON (web/openapi.json, MapPlant / MapZone / MapDevice), or
// nullopt with `error` set when the zone or device does not exist.
[[nodiscard]] std::optional<nlohmann::ordered_json> map_json(const inventory::Topology& t,
                                                             const inventory::Ledger& ledger,
                                                             const std::vector<inventory::Finding>& findings,
                                                             const MapQuery& q, std::string& error);

}  // namespace mieruka::sensor::web
