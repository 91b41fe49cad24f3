// PostgresServer: a private PostgreSQL 15 server for the tests of one
// binary, started on first use and stopped when the binary exits (also when
// it dies: the server gets SIGQUIT, PostgreSQL's immediate shutdown, when
// the test process goes away). Its data directory lives under the build
// tree (on disk, never tmpfs; under /var/tmp, also on disk, when the
// postgres user cannot reach the build tree), it listens on 127.0.0.1 on a free
// port, with fsync and synchronous_commit on. initdb refuses root, so as root
// the server runs as Debian's `postgres` user.
#ifndef ORGLEDGER_TESTS_TESTING_POSTGRES_SERVER_H_
#define ORGLEDGER_TESTS_TESTING_POSTGRES_SERVER_H_

#include <sys/types.h>

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

  ~PostgresServer();

 private:
  PostgresServer() = default;
  bool Init();

  std::string dir_;
  int port_ = 0;
  pid_t pid_ = -1;
  int databases_ = 0;
};

}  // namespace orgledger::testing

#endif  // ORGLEDGER_TESTS_TESTING_POSTGRES_SERVER_H_
