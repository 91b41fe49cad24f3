// The pages' files (tools/serve/web/), built into the binary so that a
// server serves the pages it was built with and needs no path at run time.
#ifndef ORGLEDGER_TOOLS_SERVE_WEB_ASSETS_H_
#define ORGLEDGER_TOOLS_SERVE_WEB_ASSETS_H_

#include <span>
#include <string_view>

namespace orgledger::serve {

struct WebAsset {
  std::string_view name;  // the file's name: "page.html", "app.js"
  std::string_view content_type;
  std::string_view body;
};

std::span<const WebAsset> WebAssets();

}  // namespace orgledger::serve

#endif  // ORGLEDGER_TOOLS_SERVE_WEB_ASSETS_H_
