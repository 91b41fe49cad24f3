#include "tests/testing/files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace orgledger::testing {

std::string ReadText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << text;
}

void WritePrivateText(const std::string& path, const std::string& text) {
  WriteText(path, text);
  std::filesystem::permissions(
      path,
      std::filesystem::perms::owner_read | std::filesystem::perms::owner_write,
      std::filesystem::perm_options::replace);
}

}  // namespace orgledger::testing
