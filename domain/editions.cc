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

}  // namespace orgledger::domain
