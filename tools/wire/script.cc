#include "tools/wire/script.h"

#include <algorithm>

#include "tools/wire/request.h"
#include "tools/wire/response.h"

namespace orgledger::wire {

boost::json::object ScriptSession::Respond(std::string_view line) {
  Result<Request> request = DecodeRequest(line);
  if (!request.ok()) return EncodeError(request.status());
  if (auto* command = std::get_if<CommandWire>(&*request)) {
    commands::CommandOutcome outcome =
        engine_.Execute(std::move(command->request));
    seen_ = std::max(seen_, outcome.position);
    return EncodeOutcome(outcome);
  }
  auto& query = std::get<QueryWire>(*request);
  Result<projections::View> view =
      engine_.Query(query.request, query.min_position.value_or(seen_));
  return view.ok() ? EncodeView(*view) : EncodeError(view.status());
}

}  // namespace orgledger::wire
