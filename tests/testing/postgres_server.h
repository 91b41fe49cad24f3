// PostgresServer: a private PostgreSQL 15 server for the tests of one
// binary, started on first use and stopped when the binary exits (also when
// it dies: the server gets SIGQUIT, PostgreSQL's immediate shutdown, when
// the test process goes away). Its data directory lives under the build
// tree (on disk, never tmpfs; under /var/tmp, also on disk, when the
// postgres user cannot reach the build tree), it listens on 127.0.0.1 on a free
// port, with fsync and synchronous_commit on. initdb refuses root, so as root
// the server runs as Debian's `postgres` user. The failover tests make
// servers of their own too: a primary and its streaming standbys.
#ifndef ORGLEDGER_TESTS_TESTING_POSTGRES_SERVER_H_
#define ORGLEDGER_TESTS_TESTING_POSTGRES_SERVER_H_

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>

namespace orgledger::testing {

class PostgresServer {
 public:
  // The binary's server, started on the first call (a gtest failure and
  // nullptr when it cannot start: the message says why).
  static PostgresServer* Shared();

  // A new, empty database; returns its URL.
  std::string NewDatabase();
  // The URL of database `db`.
  std::string Url(const std::string& db) const;
  int port() const { return port_; }

  // For fault tests: stop the server at once (`pg_ctl -m immediate`:
  // SIGQUIT) and start it again on the same port and data.
  void StopImmediately();
  void Start();

  // Failover tests: a server of the test's own (not the binary's shared
  // one), in a directory named after `name`; standbys may stream from it.
  static std::unique_ptr<PostgresServer> NewPrimary(const std::string& name);
  // A streaming standby of this server (pg_basebackup), started, whose
  // application_name is `name`. Null (a test failure) when it cannot be made.
  std::unique_ptr<PostgresServer> NewStandby(const std::string& name);
  // Makes standby `name` this server's synchronous one ("" for none):
  // ALTER SYSTEM, then a reload.
  void SetSynchronousStandby(const std::string& name);
  // Waits up to `limit` until standby `name` streams from this server in
  // `state` ("sync" or "async") and has replayed everything written here.
  bool WaitForStandby(const std::string& name, const std::string& state,
                      std::chrono::seconds limit);
  // Stops this standby's WAL receiver: it falls behind from now on.
  void StopStreaming();
  // The machine is lost: SIGKILL to the postmaster, no restart.
  void Kill();
  // `pg_ctl promote`; returns once this server accepts writes.
  bool Promote();
  // The first column of the first row of `sql` on database `db`, as text
  // ("" and a test failure when it fails).
  std::string Query(const std::string& sql, const std::string& db = "postgres");

  ~PostgresServer();

 private:
  PostgresServer() = default;
  bool MakeDirectory(const std::string& name);
  bool Init();

  std::string dir_;
  std::string name_;
  int port_ = 0;
  pid_t pid_ = -1;
  int databases_ = 0;
};

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_TESTING_POSTGRES_SERVER_H_
