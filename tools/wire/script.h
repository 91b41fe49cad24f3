// ScriptSession: requests answered in order as `exec` answers them (SPEC
// §6): a view that gives no min_position waits for every command answered
// before it and for the log as it was when the session began. Shared by
// `exec` and the golden-view test. Not thread-safe.
#ifndef ORGLEDGER_TOOLS_WIRE_SCRIPT_H_
#define ORGLEDGER_TOOLS_WIRE_SCRIPT_H_

#include <boost/json/object.hpp>
#include <string_view>

#include "commands/engine.h"

namespace orgledger::wire {

class ScriptSession {
 public:
  // REQUIRES: `engine` outlives the session.
  explicit ScriptSession(commands::Engine& engine)
      : engine_(engine), seen_(engine.store().CommittedPosition()) {}

  // The response to one request line (an error response for a bad one).
  boost::json::object Respond(std::string_view line);

 private:
  commands::Engine& engine_;
  eventstore::Position seen_;
};

}  // namespace orgledger::wire

#endif  // ORGLEDGER_TOOLS_WIRE_SCRIPT_H_
