// System descriptions: the free text a device states about itself in SNMP
// sysDescr (RFC 3418 §2), the LLDP System Description TLV (IEEE 802.1AB-2016
// §8.5.7) and the CDP Software Version / Platform TLVs. The text has no
// grammar; each maker writes its own. A table of rows (sysdescr.cpp), one per
// maker's format, drives one reader that pulls out vendor, product, model
// (order number), revision (firmware), hardware revision and serial where the
// format states them, and the device class when the text names one (a
// SIMATIC S7 "CPU"). A description no row recognises gives nothing: no field is
// guessed from a text whose format is unknown.
#pragma once

#include <cstddef>
#include <string_view>

#include "observation.hpp"

namespace mieruka::dissectors::sysdescr {

// Longest value kept per field; a longer run is not a product name or version
// but text of another kind, and nothing is taken from it.
inline constexpr std::size_t kMaxProduct = 64;
inline constexpr std::size_t kMaxToken = 40;
inline constexpr std::size_t kMaxProductWords = 4;

// What one description states. Views point into the description, or at the
// table's static text (vendor, os, device_class).
struct Identity {
  std::string_view vendor, product, model, revision, hardware_revision, serial, os, device_class;
  [[nodiscard]] bool empty() const noexcept {
    return vendor.empty() && product.empty() && model.empty() && revision.empty() && hardware_revision.empty() &&
           serial.empty() && os.empty() && device_class.empty();
  }
};

// Reads `descr` with the first row whose anchor it holds; an empty Identity
// when none does.
[[nodiscard]] Identity parse(std::string_view descr) noexcept;

// Facts on `who` for each field the Identity holds, with `source` ("lldp",
// "snmp", "cdp"): vendor, product, model, revision, hardware_revision, serial,
// os and class_hint.
void emit(const Identity& id, const AssetRef& who, std::string_view source, Sink& sink) noexcept;

}  // namespace mieruka::dissectors::sysdescr
