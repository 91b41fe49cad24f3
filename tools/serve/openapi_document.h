// The OpenAPI 3.1 document of the HTTP API, docs/openapi.json as it was at
// build time (the server serves it at GET /v1/openapi.json).
#ifndef ORGLEDGER_TOOLS_SERVE_OPENAPI_DOCUMENT_H_
#define ORGLEDGER_TOOLS_SERVE_OPENAPI_DOCUMENT_H_

#include <string_view>

namespace orgledger::serve {

std::string_view OpenApiDocument();

}  // namespace orgledger::serve

#endif  // ORGLEDGER_TOOLS_SERVE_OPENAPI_DOCUMENT_H_
