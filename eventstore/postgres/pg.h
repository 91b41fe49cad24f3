// A thin RAII layer over libpq for the PostgreSQL store: one connection,
// statements with binary parameters, pipelines (libpq's pipeline mode: many
// statements, one round trip), and errors as Status. Nothing here knows the
// store's schema.
//
// Not thread-safe: a Connection is used by one thread at a time (the store
// hands them out from a pool).
#ifndef ORGLEDGER_EVENTSTORE_POSTGRES_PG_H_
#define ORGLEDGER_EVENTSTORE_POSTGRES_PG_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/result.h"
#include "base/status.h"

struct pg_conn;
struct pg_result;

namespace orgledger::eventstore::pg {

// One statement parameter: NULL, text, or binary bytes (bytea).
struct Param {
  static Param Text(std::string v) { return {std::move(v), false, false}; }
  static Param Bytes(std::string v) { return {std::move(v), true, false}; }
  static Param Int(std::int64_t v) { return Text(std::to_string(v)); }
  static Param Null() { return {{}, false, true}; }
  // One-dimensional arrays in binary (the statement casts the parameter:
  // $1::bytea[], $1::bigint[]), so that neither side encodes them as text.
  static Param ByteaArray(const std::vector<std::string_view>& items);
  static Param BigintArray(const std::vector<std::int64_t>& items);
  std::string value;
  bool binary = false;
  bool null = false;
};

// One statement's rows. Text columns are read as text; bytea columns come
// back in binary only when the statement asked for binary results.
class Rows {
 public:
  Rows() = default;
  explicit Rows(pg_result* r);
  Rows(Rows&&) noexcept;
  Rows& operator=(Rows&&) noexcept;
  ~Rows();

  int size() const;
  bool IsNull(int row, int col) const;
  std::string_view Get(int row, int col) const;
  std::int64_t Int(int row, int col) const;

 private:
  pg_result* r_ = nullptr;
};

// A statement and its parameters; `binary_results` asks for every column in
// binary (for bytea; integers are then big-endian, read with BigEndian).
struct Statement {
  Statement(std::string s, std::vector<Param> p = {}, bool binary = false)
      : sql(std::move(s)), params(std::move(p)), binary_results(binary) {}
  Statement(const char* s) : Statement(std::string(s)) {}
  // A statement the connection prepares on first use and then executes by
  // name: parsed and planned once per connection, not on every execution
  // (for the store's fixed statements, whose parameters' types the SQL
  // states).
  static Statement Prepared(std::string s, std::vector<Param> p = {},
                            bool binary = false) {
    Statement st(std::move(s), std::move(p), binary);
    st.prepared = true;
    return st;
  }
  std::string sql;
  std::vector<Param> params;
  bool binary_results = false;
  bool prepared = false;
};

// A big-endian integer column of a binary result.
std::int64_t BigEndian(std::string_view bytes);

// How connections are made: the libpq URI (or key=value string), and the
// timeouts for connecting and for every statement.
struct ConnectOptions {
  std::string url;
  std::chrono::milliseconds timeout{5000};
  // A name the server shows in pg_stat_activity.
  std::string application_name = "orgledger";
};

class Connection {
 public:
  // Connects; kUnavailable (with libpq's reason, never the password) when it
  // cannot.
  static Result<std::unique_ptr<Connection>> Open(
      const ConnectOptions& options);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs one statement (or several separated by ';' when `params` is empty)
  // and returns the last one's rows. kUnavailable when the connection
  // failed or no answer came within the timeout; the server's error
  // otherwise (SqlError).
  Result<Rows> Exec(const Statement& statement);

  // Sends every statement in one pipeline, one round trip, and returns each
  // one's rows, in order. The first failing statement's error is returned
  // (later ones are skipped by the server). `sent` (optional) is set once
  // everything has been flushed to the server: a failure after that is an
  // unknown outcome for whatever the statements commit.
  Result<std::vector<Rows>> Pipeline(const std::vector<Statement>& statements,
                                     bool* sent = nullptr);

  // Whether the connection is still usable (not broken by a failure).
  bool ok() const;
  // "host:port/dbname", never credentials.
  std::string Describe() const;
  // The server's setting `name` (SHOW).
  Result<std::string> Setting(const std::string& name);

  // LISTEN support: waits up to `timeout` for notifications on the
  // channels this connection listens to and returns their payloads, in the
  // order they came (none when the time ran out).
  Result<std::vector<std::string>> WaitForNotifications(
      std::chrono::milliseconds timeout);

  // Cancels the statement running on this connection (from another thread).
  void Cancel();

 private:
  Connection(pg_conn* c, std::chrono::milliseconds timeout);
  Status Failure(const std::string& what) const;
  // Waits until the next result can be read without blocking, at most
  // until `deadline`: false when the connection failed or the time ran out
  // (then it is broken for good: a reply may still be on its way).
  bool AwaitResult(std::chrono::steady_clock::time_point deadline);
  Status TimedOut() const;
  pg_conn* c_;
  // Every round trip's limit on this side too: a server that does not
  // answer at all (a partition) cannot enforce its statement_timeout.
  std::chrono::milliseconds timeout_;
  bool timed_out_ = false;
  // The statements prepared on this connection: SQL -> name.
  std::unordered_map<std::string, std::string> prepared_;
  void* cancel_ = nullptr;  // PGcancel*
};

// The SQLSTATE of a server error, when `s` carries one ("40001", ...).
std::string SqlState(const Status& s);

}  // namespace orgledger::eventstore::pg

#endif  // ORGLEDGER_EVENTSTORE_POSTGRES_PG_H_
