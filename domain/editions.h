// Editions and their limits, as data (SPEC §1.3). The host may replace the
// catalog. Intentionally copyable.
#ifndef ORGLEDGER_DOMAIN_EDITIONS_H_
#define ORGLEDGER_DOMAIN_EDITIONS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace orgledger::domain {

struct EditionLimits {
  // nullopt = unlimited.
  std::optional<std::uint32_t> billing_managers;
  std::optional<std::uint32_t> members;
  friend bool operator==(const EditionLimits&, const EditionLimits&) = default;
};

class EditionCatalog {
 public:
  // individual (0, 1), team (1, 10), enterprise and business_critical
  // (unlimited).
  static EditionCatalog Default();

  explicit EditionCatalog(std::map<std::string, EditionLimits> editions)
      : editions_(std::move(editions)) {}

  // nullptr for an unknown edition.
  const EditionLimits* Find(const std::string& edition) const {
    auto it = editions_.find(edition);
    return it == editions_.end() ? nullptr : &it->second;
  }
  const std::map<std::string, EditionLimits>& editions() const {
    return editions_;
  }
  // The edition names in name order, comma-separated (for messages).
  std::string Names() const;

 private:
  std::map<std::string, EditionLimits> editions_;
};

// The catalog as one line, the same for equal catalogs:
// "individual=0/1 team=1/10 enterprise=-/-" ('-' unlimited), in name order.
std::string CatalogText(const EditionCatalog& catalog);

}  // namespace orgledger::domain

#endif  // ORGLEDGER_DOMAIN_EDITIONS_H_
