#include "eventstore/postgres/key_rows.h"

namespace orgledger::eventstore::pg {

Result<std::optional<std::string>> GetKeyRow(Connection& c,
                                             std::string_view key) {
  Result<Rows> r = c.Exec(
      Statement::Prepared("SELECT value FROM orgledger_keys WHERE key = $1",
                          {Param::Bytes(std::string(key))}, true));
  if (!r.ok()) return r.status();
  if (r->size() == 0) return std::optional<std::string>();
  return std::optional<std::string>(std::string(r->Get(0, 0)));
}

Result<std::vector<KeyValue>> ScanKeyRows(Connection& c,
                                          std::string_view prefix) {
  const std::string end = PrefixEnd(prefix);
  Result<Rows> r =
      end.empty()
          ? c.Exec(Statement::Prepared(
                "SELECT key, value FROM orgledger_keys WHERE key >= $1 "
                "ORDER BY key",
                {Param::Bytes(std::string(prefix))}, true))
          : c.Exec(Statement::Prepared(
                "SELECT key, value FROM orgledger_keys WHERE key >= $1 AND "
                "key < $2 ORDER BY key",
                {Param::Bytes(std::string(prefix)), Param::Bytes(end)}, true));
  if (!r.ok()) return r.status();
  std::vector<KeyValue> out;
  out.reserve(r->size());
  for (int i = 0; i < r->size(); ++i) {
    out.emplace_back(std::string(r->Get(i, 0)), std::string(r->Get(i, 1)));
  }
  return out;
}

Status WriteKeyRows(Connection& c, const StateBatch& batch) {
  std::vector<Statement> statements = {"BEGIN"};
  for (const StateBatch::Op& op : batch.ops()) {
    switch (op.kind) {
      case StateBatch::Kind::kPut:
        statements.push_back(Statement::Prepared(
            "INSERT INTO orgledger_keys (key, value) VALUES ($1, $2) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value",
            {Param::Bytes(op.key), Param::Bytes(op.value)}));
        break;
      case StateBatch::Kind::kDelete:
        statements.push_back(
            Statement::Prepared("DELETE FROM orgledger_keys WHERE key = $1",
                                {Param::Bytes(op.key)}));
        break;
      case StateBatch::Kind::kDeleteRange:
        return InvalidArgument("key rows take no range deletes");
    }
  }
  statements.push_back("COMMIT");
  Result<std::vector<Rows>> done = c.Pipeline(statements);
  if (!done.ok()) {
    (void)c.Exec("ROLLBACK");
    return done.status();
  }
  return Status::Ok();
}

Status VacuumErased(Connection& c) {
  for (const char* sql :
       {"VACUUM FULL orgledger_keys", "VACUUM orgledger_snapshots",
        "VACUUM orgledger_outcomes"}) {
    if (Result<Rows> r = c.Exec(sql); !r.ok()) return r.status();
  }
  return Status::Ok();
}

}  // namespace orgledger::eventstore::pg
