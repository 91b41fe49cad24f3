#include "domain/editions.h"

namespace orgledger::domain {

EditionCatalog EditionCatalog::Default() {
  return EditionCatalog({
      {"individual", {0, 1}},
      {"team", {1, 10}},
      {"enterprise", {std::nullopt, std::nullopt}},
      {"business_critical", {std::nullopt, std::nullopt}},
  });
}

std::string EditionCatalog::Names() const {
  std::string out;
  for (const auto& [name, limits] : editions_) {
    out += (out.empty() ? "" : ", ") + name;
  }
  return out;
}

std::string CatalogText(const EditionCatalog& catalog) {
  auto limit = [](const std::optional<std::uint32_t>& n) {
    return n.has_value() ? std::to_string(*n) : std::string("-");
  };
  std::string out;
  for (const auto& [name, limits] : catalog.editions()) {
    if (!out.empty()) out += ' ';
    out += name + "=" + limit(limits.billing_managers) + "/" +
           limit(limits.members);
  }
  return out;
}

}  // namespace orgledger::domain
