// orgledger: the command of SPEC §6, one subcommand per job: exec (a host or
// a script), serve (the reference server), head, verify and replay (an
// auditor), rebuild and backup (an operator).
#include <CLI/CLI.hpp>
#include <chrono>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "bench/bench.h"
#include "commands/malloc_policy.h"
#include "domain/events.h"
#include "tools/database.h"
#include "tools/exec.h"
#include "tools/inspect.h"
#include "tools/operate.h"
#include "tools/serve/server.h"

namespace {

// "90s", "30m", "48h", "7d": a duration; nullopt otherwise.
std::optional<std::chrono::seconds> ParseDuration(const std::string& text) {
  if (text.size() < 2) return std::nullopt;
  long n = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    if (text[i] < '0' || text[i] > '9' || n > 100000000) return std::nullopt;
    n = n * 10 + (text[i] - '0');
  }
  switch (text.back()) {
    case 's':
      return std::chrono::seconds(n);
    case 'm':
      return std::chrono::minutes(n);
    case 'h':
      return std::chrono::hours(n);
    case 'd':
      return std::chrono::hours(24 * n);
  }
  return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace orgledger::tools;
  // First, before any thread: glibc fixes its arena limit when the second
  // thread allocates, so the engine's own call at open may be too late.
  orgledger::ApplyMallocPolicy();
  CLI::App app{
      "orgledger: an event-sourced engine for organization membership, "
      "invitations and the Billing Manager role"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "orgledger 0.1.0");

  // Every subcommand on a database takes --data DIR or --store URL.
  Where where;
  auto add_data = [&](CLI::App* cmd) {
    cmd->add_option("--data", where.data,
                    "Database directory (RocksDB); with --store, where this "
                    "process keeps its projections' state");
    cmd->add_option("--store", where.store,
                    "PostgreSQL database shared by every engine: a libpq URI, "
                    "postgresql://HOST[:PORT]/DB (passwords from PGPASSFILE)");
    cmd->add_option(
        "--store-timeout", where.store_timeout_s,
        "Seconds for connecting and for each statement (default 5)");
  };

  ExecOptions exec_options;
  auto* exec = app.add_subcommand(
      "exec",
      "Run JSON Lines requests from stdin, one JSON response line each on "
      "stdout");
  add_data(exec);
  exec->add_option("--editions", exec_options.editions_file,
                   "A JSON edition catalog replacing the default one");
  exec->add_option("--durability", exec_options.durability,
                   "sync (fsync before acknowledging, default) or buffered")
      ->check(CLI::IsMember({"sync", "buffered"}));

  orgledger::serve::ServeOptions serve_options;
  double timeout_s = 10;
  double max_connection_age_s = 300;
  double feed_heartbeat_s = 15;
  auto* serve = app.add_subcommand(
      "serve",
      "Run the reference HTTP server: POST /v1/commands, /v1/views, "
      "/v1/admin/rebuild, /v1/admin/backup; GET /healthz, /metrics");
  add_data(serve);
  serve->add_option("--listen", serve_options.listen,
                    "HOST:PORT to listen on (default 127.0.0.1:8080)");
  serve
      ->add_option("--secret-file", serve_options.secret_file,
                   "File with the bearer secret (created when missing)")
      ->required();
  serve->add_option("--admin-secret-file", serve_options.admin_secret_file,
                    "File with the operator's bearer secret for /v1/admin/* "
                    "and /metrics (created when missing); without it those "
                    "endpoints are off");
  serve->add_flag("--metrics-public", serve_options.metrics_public,
                  "Serve /metrics without the operator's secret");
  serve->add_option("--backup-dir", serve_options.backup_dir,
                    "Directory under which /v1/admin/backup writes each "
                    "backup by name (created 0700); without it backups are "
                    "off");
  serve->add_option("--editions", serve_options.editions_file,
                    "A JSON edition catalog replacing the default one");
  serve
      ->add_option("--durability", serve_options.durability,
                   "sync (default) or buffered")
      ->check(CLI::IsMember({"sync", "buffered"}));
  serve->add_option("--max-body", serve_options.max_body_bytes,
                    "Largest request body in bytes (default 1 MiB)");
  serve->add_option("--timeout", timeout_s,
                    "Seconds a request may take to arrive; idle connections "
                    "close after it (default 10)");
  serve
      ->add_option("--max-connection-age", max_connection_age_s,
                   "Seconds after which a keep-alive connection closes after "
                   "its current request (default 300)")
      ->check(CLI::PositiveNumber);
  serve->add_option("--threads", serve_options.threads,
                    "I/O threads (default 2)");
  serve->add_option("--public-url", serve_options.public_url,
                    "The base URL people open the pages at; emails and link "
                    "creations carry their pages' URLs");
  serve->add_option("--smtp", serve_options.smtp.url,
                    "Send invitation emails: smtp://HOST[:PORT] (STARTTLS "
                    "when offered) or smtps://HOST[:PORT]; needs --public-url "
                    "and --mail-from");
  serve->add_option("--mail-from", serve_options.smtp.from,
                    "The invitation emails' sender address");
  serve->add_option("--smtp-user", serve_options.smtp.user,
                    "Authenticate to the SMTP server as this user");
  serve->add_option("--smtp-password-file", serve_options.smtp_password_file,
                    "The SMTP password, in a file only its owner may read");
  std::string smtp_tls = "auto";
  serve
      ->add_option("--smtp-tls", smtp_tls,
                   "auto (STARTTLS when the server offers it; default) or "
                   "required (refuse a server that does not)")
      ->check(CLI::IsMember({"auto", "required"}));
  serve
      ->add_option("--smtp-ca-file", serve_options.smtp.ca_file,
                   "The CA certificates (PEM) the SMTP server's certificate "
                   "must chain to (default: the system's)")
      ->check(CLI::ExistingFile);
  std::string mail_backlog = "7d";
  serve->add_option("--mail-backlog", mail_backlog,
                    "The first time emails are sent for a database with "
                    "invitations, send those still pending sent within this "
                    "long (N followed by s, m, h or d; default 7d)");
  double mail_retry_s = 1;
  serve
      ->add_option("--mail-retry", mail_retry_s,
                   "Seconds before a failed email is tried again, doubled "
                   "each time up to 5 min (default 1)")
      ->check(CLI::PositiveNumber);
  serve->add_flag("--dev-mail-log", serve_options.dev_mail_log,
                  "Without --smtp: write each invitation email (with its "
                  "URL) to the log instead of sending it (development)");
  serve->add_option("--session-key-file", serve_options.session_key_file,
                    "The pages' sessions are signed with the key in FILE "
                    "(owner-only; created when missing); give every replica "
                    "the same file so that each accepts the others' sessions. "
                    "Without it: a key of this process only");
  std::string session_lifetime = "12h";
  serve->add_option("--session-lifetime", session_lifetime,
                    "How long a pages' session lasts (N followed by s, m, h "
                    "or d; default 12h)");
  serve->add_flag("--dev-login", serve_options.dev_login,
                  "A sign-in form for the pages where one types an id, email "
                  "and name (development only; loopback --listen only)");
  serve->add_option("--identity-header-prefix",
                    serve_options.identity_header_prefix,
                    "Take who is signed in from an authenticating proxy's "
                    "headers PREFIXUser, PREFIXEmail and "
                    "PREFIXPreferred-Username (X-Forwarded-, as oauth2-proxy "
                    "sets them); needs --trusted-proxy");
  serve->add_option("--trusted-proxy", serve_options.trusted_proxies,
                    "The proxy's address (repeat for more): identity headers "
                    "from any other peer are ignored");
  serve
      ->add_option("--feed-heartbeat", feed_heartbeat_s,
                   "Seconds of silence after which the events feed "
                   "(GET /v1/events) sends a comment line (default 15)")
      ->check(CLI::PositiveNumber);

  std::string sign_key;
  auto* head = app.add_subcommand(
      "head",
      "Print the last log position and its hash (JSON), an anchor for "
      "verify --anchor; signed with --sign KEY");
  add_data(head);
  head->add_option("--sign", sign_key,
                   "Sign the anchor with this Ed25519 private key (from "
                   "orgledger keygen); verify it with verify --anchor-file");

  std::string keygen_out;
  auto* keygen = app.add_subcommand(
      "keygen",
      "Make an Ed25519 key pair for signed anchors: FILE (private, 0600) and "
      "FILE.pub");
  keygen->add_option("--out", keygen_out, "The private key's file (new)")
      ->required();

  VerifyOptions verify_options;
  auto* verify = app.add_subcommand(
      "verify",
      "Check CRCs, the hash chain, stream versions and optionally the "
      "projections; exit 0 only if all hold");
  add_data(verify);
  verify->add_flag("--projections", verify_options.projections,
                   "Also rebuild the projections in memory and compare");
  verify->add_option("--anchor", verify_options.anchor,
                     "POSITION:HASH kept from `orgledger head`: prove the log "
                     "still reaches it");
  auto* anchor_file = verify->add_option(
      "--anchor-file", verify_options.anchor_file,
      "A signed anchor kept from `orgledger head --sign`: prove it was "
      "signed with --public-key and the log still reaches it");
  auto* public_key =
      verify->add_option("--public-key", verify_options.public_key,
                         "The public key (FILE.pub of keygen) the anchor "
                         "must be signed with");
  anchor_file->needs(public_key);
  public_key->needs(anchor_file);

  ReplayOptions replay_options;
  auto* replay = app.add_subcommand(
      "replay", "Print the audit trail, oldest first, one event a line");
  add_data(replay);
  replay->add_option("--org", replay_options.org, "Only this organization");
  replay->add_option("--since", replay_options.since,
                     "Only events recorded at or after this RFC 3339 time");
  replay->add_option("--until", replay_options.until,
                     "Only events recorded at or before this RFC 3339 time");
  replay->add_option("--from", replay_options.from, "First position");
  replay->add_option("--to", replay_options.to, "Last position");
  replay->add_option("--actor", replay_options.actor,
                     "Only events by this user id (or system:<service>)");
  replay
      ->add_option("--type", replay_options.type,
                   "Only events of this type (InviteSent, ...)")
      ->check(CLI::IsMember(
          std::vector<std::string>(orgledger::domain::kEventTypeNames.begin(),
                                   orgledger::domain::kEventTypeNames.end())));
  replay->add_option("--format", replay_options.format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));
  replay->add_flag("--follow", replay_options.follow,
                   "At the end of the log, go on printing what is appended "
                   "(until interrupted, or past --to)");
  replay->add_flag("--verify", replay_options.verify,
                   "Verify the log first; exit 1 if it fails");

  std::string projection;
  auto* rebuild = app.add_subcommand(
      "rebuild", "Rebuild projections from the log (a database not in use)");
  add_data(rebuild);
  rebuild->add_option("--projection", projection,
                      "organizations or audit_log (default: all)");

  orgledger::commands::EraseRequest erase_request;
  std::string erase_user, erase_email;
  auto* erase = app.add_subcommand(
      "erase",
      "Erase a person everywhere in the log (SPEC §10): their email and name "
      "become unrecoverable; exit 1 if records from before sealing name them");
  add_data(erase);
  auto* erase_by_user =
      erase->add_option("--user-id", erase_user, "The person's user id");
  auto* erase_by_email =
      erase->add_option("--email", erase_email, "The person's email");
  erase_by_user->excludes(erase_by_email);
  erase
      ->add_option("--by", erase_request.by,
                   "The operator who erases (recorded in PersonErased)")
      ->required();

  std::string backup_to;
  auto* backup = app.add_subcommand(
      "backup",
      "Copy a database not in use consistently (RocksDB checkpoint) and "
      "verify the copy");
  add_data(backup);
  backup->add_option("--to", backup_to, "Target directory (must not exist)")
      ->required();

  orgledger::bench::BenchOptions bench_options;
  auto* bench = app.add_subcommand(
      "bench",
      "Measure this machine's ceilings and the workloads of BENCH.md; one "
      "JSON line per figure");
  bench
      ->add_option("--workload", bench_options.workload,
                   "onboarding, replay, open, views, mixed, replicas, history "
                   "or calibrate")
      ->check(CLI::IsMember({"onboarding", "replay", "open", "views", "mixed",
                             "replicas", "history", "calibrate"}));
  bench->add_flag("--all", bench_options.all,
                  "Every workload at default sizes");
  bench->add_option("--orgs", bench_options.orgs,
                    "Organizations (default 20,000; mixed 100,000)");
  bench->add_option("--writers", bench_options.writers,
                    "Concurrent writers for onboarding (default 64)");
  bench
      ->add_option("--durability", bench_options.durability,
                   "sync (default) or buffered")
      ->check(CLI::IsMember({"sync", "buffered"}));
  bench->add_option("--data", bench_options.data,
                    "Database directory (default: a fresh one, removed after)");
  bench->add_option("--store", bench_options.store,
                    "Run on a PostgreSQL store (an empty database; "
                    "postgresql://...)");
  bench->add_option("--seconds", bench_options.seconds,
                    "Duration of views (5) and mixed (60)");
  bench->add_flag("--steady", bench_options.steady,
                  "mixed: organizations of a steady size (at most 20 people "
                  "and 100 payments each), the soak's workload");
  bench->add_option("--rebuild-memory", bench_options.rebuild_memory_mb,
                    "replay: MiB of rows a rebuild gathers before each sorted "
                    "file (64; 0: rows written batch by batch)");
  bench->add_option("--report", bench_options.report,
                    "Write a page with a chart per figure (DIR/index.html)");
  bench->add_option("--peers", bench_options.peers,
                    "The peers' results of the same session (JSON lines), "
                    "charted beside ours in --report");
  bench->add_option("--from", bench_options.from,
                    "With --report: chart this earlier run's JSON lines "
                    "instead of running");
  bench->add_flag("--allow-tmpfs", bench_options.allow_tmpfs,
                  "Run on tmpfs although fsync costs nothing there");

  auto* migrate = app.add_subcommand(
      "migrate",
      "Copy a RocksDB database (--data; read as a secondary instance) into "
      "an empty PostgreSQL store (--store), and verify the copy");
  add_data(migrate);

  // CLI11 would say only "A subcommand is required" of a misspelt one.
  std::string known;
  bool is_known = false;
  for (const CLI::App* sub : app.get_subcommands({})) {
    known += (known.empty() ? "" : ", ") + sub->get_name();
    is_known = is_known || (argc > 1 && sub->check_name(argv[1]));
  }
  if (argc > 1 && argv[1][0] != '-' && !is_known) {
    std::cerr << "orgledger: unknown subcommand \"" << argv[1]
              << "\" (the subcommands: " << known << ")\n";
    return kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  if (*keygen) return RunKeygen(keygen_out);
  if (!*bench) {
    if (orgledger::Status s = CheckWhere(where); !s.ok()) return Fail(s);
  }
  if (*exec) {
    exec_options.where = where;
    return RunExec(exec_options, std::cin, std::cout);
  }
  if (*serve) {
    serve_options.where = where;
    serve_options.timeout =
        std::chrono::milliseconds(static_cast<long>(timeout_s * 1000));
    serve_options.max_connection_age = std::chrono::milliseconds(
        static_cast<long>(max_connection_age_s * 1000));
    serve_options.feed_heartbeat =
        std::chrono::milliseconds(static_cast<long>(feed_heartbeat_s * 1000));
    serve_options.smtp.tls_required = smtp_tls == "required";
    serve_options.mail_first_retry =
        std::chrono::milliseconds(static_cast<long>(mail_retry_s * 1000));
    std::optional<std::chrono::seconds> backlog = ParseDuration(mail_backlog);
    if (!backlog.has_value()) {
      return Fail(orgledger::InvalidArgument(
          "--mail-backlog must be a number followed by s, m, h or d (7d), "
          "not " +
          mail_backlog));
    }
    serve_options.mail_backlog = *backlog;
    std::optional<std::chrono::seconds> lifetime =
        ParseDuration(session_lifetime);
    if (!lifetime.has_value()) {
      return Fail(orgledger::InvalidArgument(
          "--session-lifetime must be a number followed by s, m, h or d "
          "(12h), not " +
          session_lifetime));
    }
    serve_options.session_lifetime = *lifetime;
    return orgledger::serve::RunServe(serve_options);
  }
  if (*bench) return orgledger::bench::RunBench(bench_options);
  if (*head) return RunHead(where, sign_key);
  if (*verify) {
    verify_options.where = where;
    return RunVerify(verify_options);
  }
  if (*replay) {
    replay_options.where = where;
    return RunReplay(replay_options);
  }
  if (*rebuild) return RunRebuild(where, projection);
  if (*backup) return RunBackup(where, backup_to);
  if (*erase) {
    if (erase_user.empty() == erase_email.empty()) {
      return Fail(orgledger::InvalidArgument(
          "erase needs --user-id ID or --email EMAIL (one of them)"));
    }
    if (!erase_user.empty()) erase_request.user_id = erase_user;
    if (!erase_email.empty()) erase_request.email = erase_email;
    return RunErase(where, erase_request);
  }
  if (*migrate) return RunMigrate(where);
  return kExitUsage;
}
