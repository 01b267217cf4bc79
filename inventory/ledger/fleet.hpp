// The fleet ledger: several sensors' ledgers (one per mirror port) as one, each
// device once, with what every sensor saw of it (Asset::sightings).
//
// Sites: a site names one routed network (one plant); sensors of one site see
// parts of one address plan. A sensor with an empty site is a network of its
// own: its addresses are compared with no other sensor's.
//
// One device, one asset:
// - Asset ids derive from the key (Ledger::id_for_*), so a station (one MAC)
//   seen by several sensors has one id in all of them: its records are one
//   asset, whatever the sites. Two different MACs are never one asset.
// - An IP-keyed asset (an address one sensor saw only behind a router) is
//   folded into the station another sensor of the same site saw holding that
//   address: by a binding (ARP, DHCP, an address it announces) or by frames it
//   sent from it, as a sensor's own ledger folds it when the station shows
//   itself (frames merely addressed to a MAC for it prove nothing: the MAC may
//   be the next hop). When several stations hold it, the strongest evidence
//   wins, then the most recent, then the lowest id. Sensors of different sites
//   never fold by address: two plants both use 192.168.0.10.
// - IP-keyed assets of one address in one network are one asset; the same
//   address in two networks is two assets. The id stays the sensor's when one
//   network has that address behind a router; when several have, each gets
//   Ledger::id_for_child(id, "site:<site>") (or "sensor:<sensor>" for a
//   sensor without a site), so ids stay unique.
// - A device behind another (a CIP module, a Modbus unit) is one asset when it
//   is at the same route under the same fleet asset: its fleet id is
//   Ledger::id_for_child(parent's fleet id, route). That is the sensor's id,
//   except under a parent folded or qualified above, and for a device a sensor
//   first saw behind an address that its own ledger later merged into the
//   station (the ledger keeps such a child's first id).
//   A child whose parent its ledger lacks keeps its id and parent.
//
// Counters: first_us is the earliest, last_us the latest, packets and bytes are
// summed (each sensor counted the frames it captured). A frame that crossed two
// mirrored switches was captured by both sensors and is counted twice: a
// conversation between two sensors' segments cannot be told apart from two
// conversations by the counters alone. The sightings keep each sensor's own
// counts. Facts are united as the ledger keys them (field, value, source),
// counts summed, first/last widened; addresses, VLANs and protocols united
// (addresses with the strongest source); caps as on the packet path. A station
// is a router when any sensor found it one.
//
// Edges: ids derive from their endpoints' ids, so an edge is re-keyed to its
// endpoints' fleet ids and edges with one key are one edge (packets, bytes and
// operations joined as Ledger::relabel_edge joins them).
//
// Output: deterministic (the sensors in any order give the identical ledger;
// sensors are taken in (sensor, site) order, assets and edges are in id
// order), compacted (no merged records, no edge tombstones), clean (no dirty
// marks, no removed ids), its index maps built by Ledger::load_asset/load_edges.
// Every asset carries one Sighting per sensor that saw it, in (sensor, site)
// order. The fleet ledger's sensor_name() is empty. Records a sensor's ledger
// had already merged away (merged_into) are skipped.
#pragma once

#include <string>
#include <vector>

#include "inventory/ledger/ledger.hpp"

namespace mieruka::inventory {

struct SensorLedger {
  std::string sensor, site;
  Ledger ledger;
};

// Which fleet asset one sensor's live record is: its id in the sensor's
// ledger, its fleet id, and its parent's fleet id when the merge re-keys its
// parent ("" when it keeps its own parent_id).
struct FleetMember {
  std::string record, fleet, parent;
};
// Per sensor, in the merge's order (sort_fleet), its members sorted by record.
using FleetMembers = std::vector<std::vector<FleetMember>>;

// The merge's order of the sensors: (sensor, site).
void sort_fleet(std::vector<SensorLedger>& sensors);

// `members`, when given, receives which fleet asset each sensor's live
// records are, the sensors in the merge's order.
[[nodiscard]] Ledger merge_fleet(std::vector<SensorLedger> sensors, FleetMembers* members = nullptr);

// The fleet assets of some records, read again whole: `sensors` in the
// merge's order hold some records of the sensors a merge_fleet gave `members`
// for (the same sensors, in the same order), and each record is folded into
// the fleet asset `members` names for it, as merge_fleet folds it. An edge's
// end that `sensors` does not hold is re-keyed by `members` too, so the edges
// of the records held are the fleet's edges of their assets (when every
// sensor's edges at those records are held). Records `members` does not name
// are left out. So the fleet ledger of a few devices is read without
// merging every sensor's whole ledger again.
[[nodiscard]] Ledger fold_fleet(std::vector<SensorLedger> sensors, const FleetMembers& members);

}  // namespace mieruka::inventory
