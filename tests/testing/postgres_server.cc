#include "tests/testing/postgres_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <thread>
#include <vector>

#include "eventstore/fs_info.h"
#include "eventstore/postgres/pg.h"

namespace orgledger::testing {
namespace {

constexpr char kBin[] = "/usr/lib/postgresql/15/bin/";

// The OS user the server runs as: `postgres` when we are root.
struct RunAs {
  bool change = false;
  uid_t uid = 0;
  gid_t gid = 0;
};

RunAs ServerUser() {
  RunAs r;
  if (::geteuid() != 0) return r;
  const passwd* pw = ::getpwnam("postgres");
  if (pw == nullptr) return r;
  r.change = true;
  r.uid = pw->pw_uid;
  r.gid = pw->pw_gid;
  return r;
}

// Forks and execs `args` as the server's user with output to `log`;
// `die_with_parent` asks the kernel to SIGQUIT the child when we go away.
pid_t Spawn(const std::vector<std::string>& args, const std::string& log,
            bool die_with_parent) {
  const RunAs user = ServerUser();
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  if (fd >= 0) {
    ::dup2(fd, 1);
    ::dup2(fd, 2);
  }
  if (user.change && (::setgid(user.gid) != 0 || ::setuid(user.uid) != 0)) {
    ::_exit(126);
  }
  // After setuid: a change of credentials clears the death signal.
  if (die_with_parent) {
    ::prctl(PR_SET_PDEATHSIG, SIGQUIT);
    if (::getppid() != parent) ::_exit(0);
  }
  std::vector<char*> argv;
  for (const std::string& a : args)
    argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  ::execv(argv[0], argv.data());
  ::_exit(127);
}

int Wait(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// Whether `user` may reach `dir`: search permission on every directory
// from the root down (a clone under a 0700 mktemp directory denies it).
bool Reachable(const std::string& dir, const RunAs& user) {
  if (!user.change) return true;
  std::filesystem::path p = std::filesystem::absolute(dir);
  for (; !p.empty(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0) return false;
    const mode_t search = st.st_uid == user.uid   ? S_IXUSR
                          : st.st_gid == user.gid ? S_IXGRP
                                                  : S_IXOTH;
    if ((st.st_mode & search) == 0) return false;
    if (p == p.parent_path()) break;
  }
  return true;
}

int FreePort() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  ::bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len);
  const int port = ntohs(addr.sin_port);
  ::close(s);
  return port;
}

std::unique_ptr<PostgresServer>& Instance() {
  static std::unique_ptr<PostgresServer> server;
  return server;
}

}  // namespace

PostgresServer* PostgresServer::Shared() {
  std::unique_ptr<PostgresServer>& s = Instance();
  if (s == nullptr) {
    s.reset(new PostgresServer());
    if (!s->Init()) {
      s.reset();
      return nullptr;
    }
    std::atexit([] { Instance().reset(); });
  }
  return s.get();
}

bool PostgresServer::MakeDirectory(const std::string& name) {
  name_ = name;
  std::string root = ORGLEDGER_TEST_TMPDIR;
  if (const char* env = std::getenv("ORGLEDGER_TEST_TMPDIR")) root = env;
  const RunAs user = ServerUser();
  std::filesystem::create_directories(root);
  if (!Reachable(root, user)) {
    // The postgres user cannot reach the build tree: /var/tmp instead, when
    // it is on disk (never tmpfs, where a flush costs nothing).
    if (eventstore::IsMemoryFileSystem("/var/tmp")) {
      ADD_FAILURE() << "the postgres user cannot reach " << root
                    << " and /var/tmp is "
                    << eventstore::FileSystemTypeName("/var/tmp")
                    << ": give others search permission on " << root
                    << "'s directories, or set ORGLEDGER_TEST_TMPDIR";
      return false;
    }
    root = "/var/tmp";
  }
  dir_ = root + "/orgledger-pg-" + std::to_string(::getpid()) +
         (name.empty() ? "" : "-" + name);
  std::printf("[postgres] server directory %s (%s)\n", dir_.c_str(),
              eventstore::FileSystemTypeName(root).c_str());
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  if (user.change && ::chown(dir_.c_str(), user.uid, user.gid) != 0) {
    ADD_FAILURE() << "cannot hand " << dir_ << " to the postgres user";
    return false;
  }
  return true;
}

bool PostgresServer::Init() {
  if (!MakeDirectory(name_)) return false;
  const int rc = Wait(Spawn(
      {std::string(kBin) + "initdb", "-D", dir_ + "/data", "-U", "postgres",
       "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"},
      dir_ + "/initdb.log", false));
  if (rc != 0) {
    ADD_FAILURE() << "initdb failed (" << rc << "): see " << dir_
                  << "/initdb.log";
    return false;
  }
  port_ = FreePort();
  Start();
  return pid_ > 0;
}

void PostgresServer::Start() {
  pid_ = Spawn({std::string(kBin) + "postgres", "-D", dir_ + "/data", "-p",
                std::to_string(port_), "-k", dir_, "-c",
                "listen_addresses=127.0.0.1", "-c", "fsync=on", "-c",
                "synchronous_commit=on", "-c", "max_connections=300"},
               dir_ + "/server.log", true);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    if (eventstore::pg::Connection::Open(
            {Url("postgres"), std::chrono::seconds(2)})
            .ok()) {
      return;
    }
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ADD_FAILURE() << "PostgreSQL did not start: see " << dir_ << "/server.log";
  ::kill(pid_, SIGQUIT);
  Wait(pid_);
  pid_ = -1;
}

void PostgresServer::StopImmediately() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGQUIT);
  Wait(pid_);
  pid_ = -1;
}

std::unique_ptr<PostgresServer> PostgresServer::NewPrimary(
    const std::string& name) {
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  s->name_ = name;
  if (!s->Init()) return nullptr;
  return s;
}

std::unique_ptr<PostgresServer> PostgresServer::NewStandby(
    const std::string& name) {
  std::unique_ptr<PostgresServer> s(new PostgresServer());
  if (!s->MakeDirectory(name)) return nullptr;
  const std::string data = s->dir_ + "/data";
  const int rc =
      Wait(Spawn({std::string(kBin) + "pg_basebackup", "-D", data, "-h",
                  "127.0.0.1", "-p", std::to_string(port_), "-U", "postgres",
                  "-X", "stream", "-c", "fast", "--no-sync"},
                 s->dir_ + "/basebackup.log", false));
  if (rc != 0) {
    ADD_FAILURE() << "pg_basebackup failed (" << rc << "): see " << s->dir_
                  << "/basebackup.log";
    return nullptr;
  }
  // Written by the server's user, as the files pg_basebackup made.
  const std::string conninfo = "host=127.0.0.1 port=" + std::to_string(port_) +
                               " user=postgres application_name=" + name;
  const int written = Wait(Spawn(
      {"/bin/sh", "-c",
       "echo \"primary_conninfo = '" + conninfo + "'\" >> '" + data +
           "/postgresql.auto.conf' && touch '" + data + "/standby.signal'"},
      s->dir_ + "/basebackup.log", false));
  if (written != 0) {
    ADD_FAILURE() << "cannot configure the standby in " << data;
    return nullptr;
  }
  s->port_ = FreePort();
  s->Start();
  if (s->pid_ <= 0) return nullptr;
  return s;
}

std::string PostgresServer::Query(const std::string& sql,
                                  const std::string& db) {
  auto c = eventstore::pg::Connection::Open({Url(db), std::chrono::seconds(5)});
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return "";
  auto r = (*c)->Exec(sql);
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  if (!r.ok() || r->size() == 0 || r->IsNull(0, 0)) return "";
  return std::string(r->Get(0, 0));
}

void PostgresServer::SetSynchronousStandby(const std::string& name) {
  Query("ALTER SYSTEM SET synchronous_standby_names = '" + name + "'");
  Query("SELECT pg_reload_conf()");
}

bool PostgresServer::WaitForStandby(const std::string& name,
                                    const std::string& state,
                                    std::chrono::seconds limit) {
  const std::string sql =
      "SELECT count(*) FROM pg_stat_replication WHERE application_name = '" +
      name + "' AND sync_state = '" + state +
      "' AND replay_lsn >= pg_current_wal_lsn()";
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (Query(sql) == "1") return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

void PostgresServer::StopStreaming() {
  Query("ALTER SYSTEM SET primary_conninfo = ''");
  Query("SELECT pg_reload_conf()");
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline &&
         Query("SELECT count(*) FROM pg_stat_wal_receiver") != "0") {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

void PostgresServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  Wait(pid_);
  pid_ = -1;
}

bool PostgresServer::Promote() {
  const int rc = Wait(Spawn({std::string(kBin) + "pg_ctl", "promote", "-w",
                             "-t", "60", "-D", dir_ + "/data"},
                            dir_ + "/promote.log", false));
  if (rc != 0) {
    ADD_FAILURE() << "pg_ctl promote failed (" << rc << "): see " << dir_
                  << "/promote.log";
    return false;
  }
  return Query("SELECT pg_is_in_recovery()") == "f";
}

PostgresServer::~PostgresServer() {
  if (pid_ > 0) {
    ::kill(pid_, SIGINT);  // fast shutdown
    Wait(pid_);
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

std::string PostgresServer::Url(const std::string& db) const {
  return "postgresql://postgres@127.0.0.1:" + std::to_string(port_) + "/" + db;
}

std::string PostgresServer::NewDatabase() {
  const std::string db = "t" + std::to_string(++databases_);
  auto c = eventstore::pg::Connection::Open({Url("postgres")});
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  if (!c.ok()) return Url(db);
  auto r = (*c)->Exec("CREATE DATABASE " + db);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return Url(db);
}

}  // namespace orgledger::testing
