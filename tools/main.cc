// orgledger: the command of SPEC §6. Subcommands grow with the issues that
// build them; `head` and `verify` read a database, also a live one.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "eventstore/event_store.h"

namespace {

namespace es = orgledger::eventstore;

constexpr int kExitCheckFailed = 1;
constexpr int kExitUsage = 2;

// Opens `data` read-only (a secondary instance), so that it works while a
// server writes. The scratch directory is private to this process.
orgledger::Result<std::unique_ptr<es::EventStore>> OpenForReading(
    const std::string& data, std::string* scratch) {
  if (!std::filesystem::exists(data)) {
    return orgledger::Status(orgledger::Code::kNotFound,
                             "no database at " + data);
  }
  *scratch = (std::filesystem::temp_directory_path() /
              ("orgledger-reader-" + std::to_string(::getpid())))
                 .string();
  return es::OpenRocksDbEventStoreReadOnly(es::StoreOptions(), data, *scratch);
}

int Fail(const orgledger::Status& s) {
  std::fprintf(stderr, "orgledger: %s\n", s.ToString().c_str());
  return kExitUsage;
}

int RunHead(const std::string& data) {
  std::string scratch;
  auto store = OpenForReading(data, &scratch);
  if (!store.ok()) return Fail(store.status());
  auto head = (*store)->Head();
  std::filesystem::remove_all(scratch);
  if (!head.ok()) return Fail(head.status());
  std::cout << "{\"position\":" << head->position << ",\"hash\":\""
            << es::HashToHex(head->hash) << "\"}\n";
  return 0;
}

int RunVerify(const std::string& data) {
  std::string scratch;
  auto store = OpenForReading(data, &scratch);
  if (!store.ok()) return Fail(store.status());
  auto report = (*store)->Verify(1, 0);
  store->reset();
  std::filesystem::remove_all(scratch);
  if (!report.ok()) return Fail(report.status());
  if (!report->ok) {
    std::cout << "verify: FAILED at position " << report->first_bad << ": "
              << report->problem << "\n";
    return kExitCheckFailed;
  }
  std::cout << "verify: ok, " << report->records << " records, through "
            << report->verified_through << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "orgledger: an event-sourced engine for organization membership, "
      "invitations and the Billing Manager role"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "orgledger 0.1.0");

  std::string data;
  auto* head = app.add_subcommand(
      "head",
      "Print the last log position and its hash (JSON), an anchor "
      "for verify --anchor");
  head->add_option("--data", data, "Database directory")->required();
  auto* verify = app.add_subcommand(
      "verify",
      "Check CRCs, the hash chain and stream versions; exit 0 only "
      "if all hold");
  verify->add_option("--data", data, "Database directory")->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  if (*head) return RunHead(data);
  if (*verify) return RunVerify(data);
  return kExitUsage;
}
