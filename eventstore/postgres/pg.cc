#include "eventstore/postgres/pg.h"

#include <libpq-fe.h>
#include <poll.h>

#include <cerrno>
#include <cstring>

namespace orgledger::eventstore::pg {
namespace {

// libpq's messages end with a newline; one line reads better in a Status.
std::string OneLine(const char* message) {
  std::string m = message == nullptr ? "" : message;
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  for (char& c : m) {
    if (c == '\n') c = ' ';
  }
  return m;
}

Status ServerError(const PGresult* r, const std::string& what) {
  const char* state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
  return Unavailable(what + ": " + OneLine(PQresultErrorMessage(r)) +
                     " (SQLSTATE " + (state != nullptr ? state : "?") + ")");
}

bool Succeeded(ExecStatusType s) {
  return s == PGRES_COMMAND_OK || s == PGRES_TUPLES_OK;
}

// Parameters as libpq wants them; views into `params`.
struct Bound {
  explicit Bound(const std::vector<Param>& params) {
    for (const Param& p : params) {
      values.push_back(p.null ? nullptr : p.value.data());
      lengths.push_back(static_cast<int>(p.value.size()));
      formats.push_back(p.binary ? 1 : 0);
    }
  }
  int n() const { return static_cast<int>(values.size()); }
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
};

void PutBE32(std::string* out, std::uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) {
    out->push_back(static_cast<char>((v >> shift) & 0xff));
  }
}

void PutBE64(std::string* out, std::uint64_t v) {
  PutBE32(out, static_cast<std::uint32_t>(v >> 32));
  PutBE32(out, static_cast<std::uint32_t>(v));
}

// The binary form of a one-dimensional array without NULLs (PostgreSQL's
// array_recv): dimensions, flags, element type, then each element's length
// and bytes; no dimension at all for an empty array.
template <typename Items, typename Put>
Param BinaryArray(const Items& items, std::uint32_t element_oid, Put&& put) {
  std::string out;
  PutBE32(&out, items.empty() ? 0 : 1);
  PutBE32(&out, 0);
  PutBE32(&out, element_oid);
  if (!items.empty()) {
    PutBE32(&out, static_cast<std::uint32_t>(items.size()));
    PutBE32(&out, 1);  // lower bound
  }
  for (const auto& item : items) put(&out, item);
  return Param::Bytes(std::move(out));
}

constexpr std::uint32_t kByteaOid = 17;
constexpr std::uint32_t kInt8Oid = 20;

}  // namespace

Param Param::ByteaArray(const std::vector<std::string_view>& items) {
  return BinaryArray(items, kByteaOid,
                     [](std::string* out, std::string_view b) {
                       PutBE32(out, static_cast<std::uint32_t>(b.size()));
                       out->append(b);
                     });
}

Param Param::BigintArray(const std::vector<std::int64_t>& items) {
  return BinaryArray(items, kInt8Oid, [](std::string* out, std::int64_t v) {
    PutBE32(out, 8);
    PutBE64(out, static_cast<std::uint64_t>(v));
  });
}

Rows::Rows(pg_result* r) : r_(r) {}
Rows::Rows(Rows&& o) noexcept : r_(o.r_) { o.r_ = nullptr; }
Rows& Rows::operator=(Rows&& o) noexcept {
  if (this != &o) {
    if (r_ != nullptr) PQclear(r_);
    r_ = o.r_;
    o.r_ = nullptr;
  }
  return *this;
}
Rows::~Rows() {
  if (r_ != nullptr) PQclear(r_);
}
int Rows::size() const { return r_ == nullptr ? 0 : PQntuples(r_); }
bool Rows::IsNull(int row, int col) const {
  return PQgetisnull(r_, row, col) == 1;
}
std::string_view Rows::Get(int row, int col) const {
  return {PQgetvalue(r_, row, col),
          static_cast<std::size_t>(PQgetlength(r_, row, col))};
}
std::int64_t Rows::Int(int row, int col) const {
  if (PQfformat(r_, col) == 1) return BigEndian(Get(row, col));
  return std::stoll(std::string(Get(row, col)));
}

std::int64_t BigEndian(std::string_view bytes) {
  std::uint64_t v = 0;
  for (unsigned char c : bytes) v = (v << 8) | c;
  if (bytes.size() == 4) return static_cast<std::int32_t>(v);
  return static_cast<std::int64_t>(v);
}

Result<std::unique_ptr<Connection>> Connection::Open(
    const ConnectOptions& options) {
  const std::string timeout_s = std::to_string(
      std::max<long long>(1, (options.timeout.count() + 999) / 1000));
  const std::string server_options =
      "-c statement_timeout=" + std::to_string(options.timeout.count()) +
      " -c lock_timeout=" + std::to_string(options.timeout.count()) +
      " -c client_min_messages=warning" +
      " -c idle_in_transaction_session_timeout=" +
      std::to_string(options.timeout.count() * 4);
  // The URL first (expand_dbname), then what the store sets itself: a URL
  // may not override the timeouts.
  const char* keys[] = {"dbname", "connect_timeout", "options",
                        "application_name", nullptr};
  const char* values[] = {options.url.c_str(), timeout_s.c_str(),
                          server_options.c_str(),
                          options.application_name.c_str(), nullptr};
  PGconn* c = PQconnectdbParams(keys, values, /*expand_dbname=*/1);
  if (c == nullptr) return Unavailable("PostgreSQL: out of memory connecting");
  if (PQstatus(c) != CONNECTION_OK) {
    std::string why = OneLine(PQerrorMessage(c));
    PQfinish(c);
    return Unavailable("cannot connect to PostgreSQL: " + why);
  }
  // The server's notices (shutdown warnings, ...) are not for our stderr.
  PQsetNoticeProcessor(
      c, [](void*, const char*) {}, nullptr);
  return std::unique_ptr<Connection>(new Connection(c, options.timeout));
}

Connection::Connection(pg_conn* c, std::chrono::milliseconds timeout)
    : c_(c), timeout_(timeout), cancel_(PQgetCancel(c)) {}

Connection::~Connection() {
  if (cancel_ != nullptr) PQfreeCancel(static_cast<PGcancel*>(cancel_));
  PQfinish(c_);
}

bool Connection::ok() const {
  return !timed_out_ && PQstatus(c_) == CONNECTION_OK;
}

bool Connection::AwaitResult(std::chrono::steady_clock::time_point deadline) {
  while (PQisBusy(c_) == 1) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out_ = true;
      return false;
    }
    pollfd fd{PQsocket(c_), POLLIN, 0};
    if (::poll(&fd, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      timed_out_ = true;
      return false;
    }
    if (PQconsumeInput(c_) != 1) return false;
  }
  return true;
}

Status Connection::TimedOut() const {
  return Unavailable("PostgreSQL did not answer within " +
                     std::to_string(timeout_.count()) + " ms (" + Describe() +
                     "); the connection is dropped");
}

std::string Connection::Describe() const {
  std::string host = PQhost(c_) != nullptr ? PQhost(c_) : "?";
  std::string port = PQport(c_) != nullptr ? PQport(c_) : "?";
  std::string db = PQdb(c_) != nullptr ? PQdb(c_) : "?";
  return host + ":" + port + "/" + db;
}

Status Connection::Failure(const std::string& what) const {
  return Unavailable(what + ": " + OneLine(PQerrorMessage(c_)));
}

Result<Rows> Connection::Exec(const Statement& s) {
  if (s.prepared) {
    // One round trip, prepared on first use.
    Result<std::vector<Rows>> r = Pipeline({s});
    if (!r.ok()) return r.status();
    return std::move(r->front());
  }
  int queued;
  if (s.params.empty() && !s.binary_results) {
    queued = PQsendQuery(c_, s.sql.c_str());
  } else {
    Bound b(s.params);
    queued = PQsendQueryParams(c_, s.sql.c_str(), b.n(), nullptr,
                               b.values.data(), b.lengths.data(),
                               b.formats.data(), s.binary_results ? 1 : 0);
  }
  if (queued != 1) return Failure("PostgreSQL connection lost");
  // As PQexec: the last result, or the first error (the server runs
  // nothing after it).
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  Rows last(nullptr);
  Status error;
  for (;;) {
    if (!AwaitResult(deadline)) {
      return timed_out_ ? TimedOut() : Failure("PostgreSQL connection lost");
    }
    PGresult* r = PQgetResult(c_);
    if (r == nullptr) break;
    if (!Succeeded(PQresultStatus(r)) && error.ok()) {
      error = ServerError(r, "PostgreSQL");
    }
    last = Rows(r);
  }
  if (!ok()) return Failure("PostgreSQL connection lost");
  if (!error.ok()) return error;
  return last;
}

Result<std::vector<Rows>> Connection::Pipeline(
    const std::vector<Statement>& statements, bool* sent) {
  if (sent != nullptr) *sent = false;
  if (PQenterPipelineMode(c_) != 1) return Failure("PostgreSQL pipeline");
  auto leave = [&] { PQexitPipelineMode(c_); };
  // What was sent, in order: a statement's preparation (its SQL, to be
  // remembered once the server accepted it) yields a result too.
  struct Sent {
    const Statement* prepare = nullptr;
    std::string name;
  };
  std::vector<Sent> order;
  std::unordered_map<std::string, std::string> preparing;
  for (const Statement& s : statements) {
    Bound b(s.params);
    int queued;
    if (s.prepared) {
      auto known = prepared_.find(s.sql);
      std::string name;
      if (known != prepared_.end()) {
        name = known->second;
      } else if (auto p = preparing.find(s.sql); p != preparing.end()) {
        name = p->second;
      } else {
        name = "orgledger_" +
               std::to_string(prepared_.size() + preparing.size() + 1);
        if (PQsendPrepare(c_, name.c_str(), s.sql.c_str(), b.n(), nullptr) !=
            1) {
          Status st = Failure("PostgreSQL connection lost");
          leave();
          return st;
        }
        preparing.emplace(s.sql, name);
        order.push_back({&s, name});
      }
      queued = PQsendQueryPrepared(c_, name.c_str(), b.n(), b.values.data(),
                                   b.lengths.data(), b.formats.data(),
                                   s.binary_results ? 1 : 0);
    } else {
      queued = PQsendQueryParams(c_, s.sql.c_str(), b.n(), nullptr,
                                 b.values.data(), b.lengths.data(),
                                 b.formats.data(), s.binary_results ? 1 : 0);
    }
    if (queued != 1) {
      Status st = Failure("PostgreSQL connection lost");
      leave();
      return st;
    }
    order.push_back({});
  }
  if (PQpipelineSync(c_) != 1) {
    Status st = Failure("PostgreSQL connection lost");
    leave();
    return st;
  }
  // PQpipelineSync flushes in blocking mode: everything is with the server.
  if (sent != nullptr) *sent = true;

  std::vector<Rows> out;
  Status first_error;
  std::size_t at = 0;  // the item of `order` whose results come in
  const auto deadline = std::chrono::steady_clock::now() + timeout_;
  for (;;) {
    if (!AwaitResult(deadline)) {
      Status st =
          timed_out_ ? TimedOut() : Failure("PostgreSQL connection lost");
      leave();
      return st;
    }
    PGresult* r = PQgetResult(c_);
    if (r == nullptr) {
      if (!ok()) {
        leave();
        return Failure("PostgreSQL connection lost");
      }
      ++at;  // the end of one item's results
      continue;
    }
    const ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_PIPELINE_SYNC) {
      PQclear(r);
      break;
    }
    if (st == PGRES_PIPELINE_ABORTED) {
      PQclear(r);
      continue;
    }
    if (!Succeeded(st)) {
      if (first_error.ok()) first_error = ServerError(r, "PostgreSQL");
      PQclear(r);
      continue;
    }
    if (at < order.size() && order[at].prepare != nullptr) {
      // Prepared, and kept by the server whatever the transaction does.
      prepared_.emplace(order[at].prepare->sql, order[at].name);
      PQclear(r);
      continue;
    }
    out.emplace_back(r);
  }
  leave();
  if (!first_error.ok()) return first_error;
  return out;
}

Result<std::string> Connection::Setting(const std::string& name) {
  Result<Rows> r =
      Exec(Statement{"SELECT current_setting($1)", {Param::Text(name)}});
  if (!r.ok()) return r.status();
  if (r->size() != 1) return Unavailable("PostgreSQL: no setting " + name);
  return std::string(r->Get(0, 0));
}

Result<std::vector<std::string>> Connection::WaitForNotifications(
    std::chrono::milliseconds timeout) {
  std::vector<std::string> payloads;
  auto drain = [&] {
    while (PGnotify* n = PQnotifies(c_)) {
      payloads.emplace_back(n->extra != nullptr ? n->extra : "");
      PQfreemem(n);
    }
  };
  if (PQconsumeInput(c_) != 1) return Failure("PostgreSQL connection lost");
  drain();
  if (!payloads.empty()) return payloads;
  pollfd fd{PQsocket(c_), POLLIN, 0};
  const int ready = ::poll(&fd, 1, static_cast<int>(timeout.count()));
  if (ready <= 0) return payloads;
  if (PQconsumeInput(c_) != 1) return Failure("PostgreSQL connection lost");
  drain();
  return payloads;
}

void Connection::Cancel() {
  if (cancel_ == nullptr) return;
  char err[256];
  PQcancel(static_cast<PGcancel*>(cancel_), err, sizeof err);
}

std::string SqlState(const Status& s) {
  const std::string& m = s.message();
  const std::size_t at = m.rfind("(SQLSTATE ");
  if (at == std::string::npos) return "";
  return m.substr(at + 10, 5);
}

}  // namespace orgledger::eventstore::pg
