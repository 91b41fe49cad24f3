#include "tools/exec.h"

#include <istream>
#include <ostream>

#include "tools/database.h"
#include "tools/wire/request.h"
#include "tools/wire/response.h"
#include "tools/wire/script.h"

namespace orgledger::tools {
namespace {

// Reads one line of at most wire::kMaxRequestBytes + 1 bytes; the rest of a
// longer line is skipped (the request is then answered too_large-style as
// invalid_request). False at the end of input.
bool ReadLine(std::istream& in, std::string* line) {
  line->clear();
  char c;
  bool any = false;
  while (in.get(c)) {
    any = true;
    if (c == '\n') return true;
    if (line->size() <= wire::kMaxRequestBytes) line->push_back(c);
  }
  return any;
}

}  // namespace

int RunExec(const ExecOptions& options, std::istream& in, std::ostream& out) {
  commands::EngineOptions engine_options;
  ApplyWhere(options.where, &engine_options);
  if (options.durability == "buffered") {
    engine_options.store.durability = eventstore::Durability::kBuffered;
  }
  if (!options.editions_file.empty()) {
    Result<std::string> text = ReadFile(options.editions_file);
    if (!text.ok()) return Fail(text.status());
    Result<domain::EditionCatalog> editions = wire::DecodeEditions(*text);
    if (!editions.ok()) return Fail(editions.status());
    engine_options.editions = std::move(*editions);
  }
  Result<std::unique_ptr<commands::Engine>> engine =
      OpenEngine(std::move(engine_options), "exec", IfMissing::kCreate);
  if (!engine.ok()) return Fail(engine.status());

  wire::ScriptSession session(**engine);
  std::string line;
  while (ReadLine(in, &line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    const boost::json::object response = session.Respond(line);
    out << wire::ToLine(response) << '\n';
    out.flush();
  }
  return kExitOk;
}

}  // namespace orgledger::tools
