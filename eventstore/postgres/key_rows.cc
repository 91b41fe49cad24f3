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

Statement PutKeyRows(
    const std::vector<std::pair<std::string_view, std::string_view>>& rows) {
  std::vector<std::string_view> keys, values;
  for (const auto& [key, value] : rows) {
    keys.push_back(key);
    values.push_back(value);
  }
  return Statement::Prepared(
      "INSERT INTO orgledger_keys (key, value) SELECT * FROM "
      "unnest($1::bytea[], $2::bytea[]) ON CONFLICT (key) DO UPDATE SET "
      "value = EXCLUDED.value",
      {Param::ByteaArray(keys), Param::ByteaArray(values)});
}

Status WriteKeyRows(Connection& c, const StateBatch& batch) {
  // A statement for each run of puts or of deletes, in the batch's order.
  std::vector<Statement> statements = {"BEGIN"};
  const std::vector<StateBatch::Op>& ops = batch.ops();
  for (std::size_t i = 0; i < ops.size();) {
    const StateBatch::Kind kind = ops[i].kind;
    if (kind == StateBatch::Kind::kDeleteRange) {
      return InvalidArgument("key rows take no range deletes");
    }
    std::vector<std::pair<std::string_view, std::string_view>> run;
    for (; i < ops.size() && ops[i].kind == kind; ++i) {
      run.emplace_back(ops[i].key, ops[i].value);
    }
    if (kind == StateBatch::Kind::kPut) {
      statements.push_back(PutKeyRows(run));
    } else {
      std::vector<std::string_view> keys;
      for (const auto& [key, unused] : run) keys.push_back(key);
      statements.push_back(Statement::Prepared(
          "DELETE FROM orgledger_keys WHERE key = ANY($1::bytea[])",
          {Param::ByteaArray(keys)}));
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
