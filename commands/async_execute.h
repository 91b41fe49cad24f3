// AsyncExecute: Engine::ExecuteAsync with an Asio completion token, so that
// a host uses the engine the way it uses any Asio operation:
//
//   engine->ExecuteAsync(request, callback);               // plain callback
//   AsyncExecute(*engine, request, [](CommandOutcome) {}); // a handler
//   std::future<CommandOutcome> f =
//       AsyncExecute(*engine, request, boost::asio::use_future);
//   CommandOutcome o =
//       co_await AsyncExecute(*engine, request, boost::asio::use_awaitable);
//
// The completion signature is void(CommandOutcome). The handler runs on its
// associated executor (a coroutine's, a strand's); a handler without one runs
// on an engine thread and must not block. Only code that wants completion
// tokens includes this header (and Asio with it).
//
// With GCC 12, build the request in a variable before `co_await`: GCC 12
// copies class temporaries inside a co_await expression bitwise, which
// breaks std::string (found by valgrind in tests/commands/async_test.cc).
#ifndef ORGLEDGER_COMMANDS_ASYNC_EXECUTE_H_
#define ORGLEDGER_COMMANDS_ASYNC_EXECUTE_H_

#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <memory>
#include <utility>

#include "commands/engine.h"

namespace orgledger::commands {

template <class CompletionToken>
auto AsyncExecute(Engine& engine, CommandRequest request,
                  CompletionToken&& token) {
  auto initiation = [&engine](auto handler, CommandRequest request) {
    using Handler = decltype(handler);
    // Engine::Callback is a std::function (copyable); handlers may be
    // move-only, so the handler and the work keeping its executor alive
    // travel in one shared box.
    struct Box {
      explicit Box(Handler h)
          : work(boost::asio::make_work_guard(
                boost::asio::get_associated_executor(h))),
            handler(std::move(h)) {}
      boost::asio::executor_work_guard<
          boost::asio::associated_executor_t<Handler>>
          work;
      Handler handler;
    };
    auto box = std::make_shared<Box>(std::move(handler));
    engine.ExecuteAsync(std::move(request), [box](CommandOutcome outcome) {
      auto executor = box->work.get_executor();
      boost::asio::dispatch(executor,
                            [box, outcome = std::move(outcome)]() mutable {
                              std::move(box->handler)(std::move(outcome));
                            });
      // Only now may the handler's execution context run out of work: the
      // post above still touches it after queueing (found by TSan: an
      // io_context destroyed while this thread signalled its condvar).
      box->work.reset();
    });
  };
  return boost::asio::async_initiate<CompletionToken, void(CommandOutcome)>(
      std::move(initiation), token, std::move(request));
}

}  // namespace orgledger::commands

#endif  // ORGLEDGER_COMMANDS_ASYNC_EXECUTE_H_
