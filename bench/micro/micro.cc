// Microbenchmarks (Google Benchmark) of the hot pieces of one command and of
// a rebuild: decide, fold, encode and decode (events, metadata, records,
// a state's snapshot), the hash chain and CRC32C, and the organizations
// projection's apply.
// Built by `make build`, not run in CI:
//   ./build/bin/orgledger_microbench [--benchmark_filter=Decide]
// The organizations they work on are built by real commands (Decide and
// Evolve), with `members` people, so sizes match what the engine sees.
#include <benchmark/benchmark.h>

#include <memory>
#include <string>
#include <vector>

#include "commands/system_context.h"
#include "domain/codec/codec.h"
#include "domain/decide.h"
#include "eventstore/record.h"
#include "eventstore/state_store.h"
#include "projections/builtin.h"

namespace orgledger {
namespace {

domain::Actor Admin() {
  return domain::Actor::Person("u-admin", "admin@example.com", "Admin");
}

domain::Actor PersonNo(long i) {
  const std::string n = std::to_string(i);
  return domain::Actor::Person("u-" + n, "p" + n + "@example.com",
                               "Person " + n);
}

// An organization and the events that made it: created, then `members`
// people invited and accepted.
struct Org {
  domain::OrgState state;
  std::vector<domain::Event> events;
};

Org BuildOrg(long members, domain::Context& context) {
  Org org;
  auto run = [&](const domain::Actor& actor, domain::Command command) {
    domain::CommandEnvelope envelope{"acme", actor, std::move(command), {}};
    domain::Decision d = domain::Decide(org.state, envelope, context);
    for (domain::Event& e : d.events) {
      org.state = domain::Evolve(std::move(org.state), e);
      org.state.version += 1;
      org.events.push_back(std::move(e));
    }
    return d;
  };
  run(Admin(), domain::CreateOrganization{"enterprise"});
  for (long i = 0; i < members; ++i) {
    const domain::Actor person = PersonNo(i);
    domain::Decision invited =
        run(Admin(), domain::InviteMember{person.email, "member"});
    run(person, domain::AcceptInvite{invited.invite_id.value_or(""), {}});
  }
  return org;
}

std::shared_ptr<domain::Context> Context() {
  static auto context =
      commands::NewSystemContext(domain::EditionCatalog::Default());
  return context;
}

void BM_Decide_InviteMember(benchmark::State& s) {
  const Org org = BuildOrg(s.range(0), *Context());
  domain::CommandEnvelope envelope{
      "acme", Admin(), domain::InviteMember{"new@example.com", "member"}, {}};
  for (auto _ : s) {
    domain::Decision d = domain::Decide(org.state, envelope, *Context());
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_Decide_InviteMember)->Arg(10)->Arg(1000);

void BM_Decide_CreateTeam(benchmark::State& s) {
  const Org org = BuildOrg(s.range(0), *Context());
  domain::CommandEnvelope envelope{
      "acme", Admin(), domain::CreateTeam{"platform", "Platform"}, {}};
  for (auto _ : s) {
    domain::Decision d = domain::Decide(org.state, envelope, *Context());
    benchmark::DoNotOptimize(d);
  }
}
BENCHMARK(BM_Decide_CreateTeam)->Arg(10)->Arg(1000);

// Folding a whole organization from its events (a cache miss without a
// snapshot).
void BM_Evolve_WholeOrg(benchmark::State& s) {
  const Org org = BuildOrg(s.range(0), *Context());
  for (auto _ : s) {
    domain::OrgState state;
    for (const domain::Event& e : org.events) {
      state = domain::Evolve(std::move(state), e);
    }
    benchmark::DoNotOptimize(state);
  }
  s.SetItemsProcessed(s.iterations() * org.events.size());
}
BENCHMARK(BM_Evolve_WholeOrg)->Arg(10)->Arg(1000);

// A snapshot written, and read back (a cache miss with a snapshot). Also
// the price of keeping idle states encoded in the state cache, one of the
// soak's candidate fixes (docs/reliability.md).
void BM_EncodeState(benchmark::State& s) {
  const Org org = BuildOrg(s.range(0), *Context());
  std::size_t bytes = 0;
  for (auto _ : s) {
    std::string encoded = codec::EncodeState(org.state);
    bytes = encoded.size();
    benchmark::DoNotOptimize(encoded);
  }
  s.counters["bytes"] = static_cast<double>(bytes);
}
BENCHMARK(BM_EncodeState)->Arg(10)->Arg(1000);

void BM_DecodeState(benchmark::State& s) {
  const Org org = BuildOrg(s.range(0), *Context());
  const std::string encoded = codec::EncodeState(org.state);
  for (auto _ : s) {
    Result<domain::OrgState> state = codec::DecodeState(encoded);
    if (!state.ok()) s.SkipWithError("the snapshot does not decode");
    benchmark::DoNotOptimize(state);
  }
}
BENCHMARK(BM_DecodeState)->Arg(10)->Arg(1000);

void BM_EncodeEvent(benchmark::State& s) {
  const Org org = BuildOrg(50, *Context());
  std::size_t bytes = 0;
  for (auto _ : s) {
    for (const domain::Event& e : org.events) {
      std::string payload = codec::EncodeEvent(e);
      bytes += payload.size();
      benchmark::DoNotOptimize(payload);
    }
  }
  s.SetItemsProcessed(s.iterations() * org.events.size());
  s.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}
BENCHMARK(BM_EncodeEvent);

void BM_DecodeEvent(benchmark::State& s) {
  const Org org = BuildOrg(50, *Context());
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const domain::Event& e : org.events) {
    encoded.emplace_back(std::string(domain::EventTypeName(e)),
                         codec::EncodeEvent(e));
  }
  for (auto _ : s) {
    for (const auto& [type, payload] : encoded) {
      auto e = codec::DecodeEvent(type, payload);
      benchmark::DoNotOptimize(e);
    }
  }
  s.SetItemsProcessed(s.iterations() * encoded.size());
}
BENCHMARK(BM_DecodeEvent);

codec::EventMetadata Metadata() {
  codec::EventMetadata m;
  m.schema_version = 1;
  m.recorded_at = 1795000000000000;
  m.actor = Admin();
  m.correlation_id = "cmd_Zx3kq9PbLw0aYt2u";
  m.causation_id = "cmd_Zx3kq9PbLw0aYt2u";
  m.idempotency_key = "req-000123";
  return m;
}

void BM_EncodeMetadata(benchmark::State& s) {
  const codec::EventMetadata m = Metadata();
  for (auto _ : s) {
    std::string bytes = codec::EncodeMetadata(m);
    benchmark::DoNotOptimize(bytes);
  }
}
BENCHMARK(BM_EncodeMetadata);

void BM_DecodeMetadata(benchmark::State& s) {
  const std::string bytes = codec::EncodeMetadata(Metadata());
  for (auto _ : s) {
    auto m = codec::DecodeMetadata(bytes);
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_DecodeMetadata);

// A typical record body: an InviteSent with its metadata.
std::string Body(eventstore::Position position) {
  const Org org = BuildOrg(1, *Context());
  const domain::Event& e = org.events[1];
  return eventstore::EncodeBody(
      position, "acme", 2,
      eventstore::EventData{std::string(domain::EventTypeName(e)),
                            codec::EncodeMetadata(Metadata()),
                            codec::EncodeEvent(e)});
}

void BM_ChainHash(benchmark::State& s) {
  const std::string body = Body(1);
  eventstore::Hash h{};
  for (auto _ : s) {
    h = eventstore::ChainHash(h, body);
    benchmark::DoNotOptimize(h);
  }
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * body.size()));
}
BENCHMARK(BM_ChainHash);

void BM_Crc32c(benchmark::State& s) {
  const std::string body = Body(1);
  for (auto _ : s) {
    benchmark::DoNotOptimize(eventstore::Crc32c(body));
  }
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * body.size()));
}
BENCHMARK(BM_Crc32c);

void BM_Crc32cPortable(benchmark::State& s) {
  const std::string body = Body(1);
  for (auto _ : s) {
    benchmark::DoNotOptimize(eventstore::Crc32cPortable(body));
  }
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * body.size()));
}
BENCHMARK(BM_Crc32cPortable);

void BM_EncodeRecord(benchmark::State& s) {
  const std::string body = Body(7);
  eventstore::Hash h{};
  for (auto _ : s) {
    std::string record = eventstore::EncodeRecord(h, body);
    benchmark::DoNotOptimize(record);
  }
}
BENCHMARK(BM_EncodeRecord);

void BM_DecodeRecord(benchmark::State& s) {
  const std::string record =
      eventstore::EncodeRecord(eventstore::Hash{}, Body(7));
  for (auto _ : s) {
    std::string_view body;
    auto e = eventstore::DecodeRecord(record, &body);
    benchmark::DoNotOptimize(e);
  }
}
BENCHMARK(BM_DecodeRecord);

// The organizations projection folding one organization's events into its
// rows, in batches of 512 as a rebuild reads them (one StateTx per batch).
void BM_ProjectionApply_Organizations(benchmark::State& s) {
  const Org org = BuildOrg(s.range(0), *Context());
  std::vector<projections::ProjectedEvent> events;
  for (std::size_t i = 0; i < org.events.size(); ++i) {
    projections::ProjectedEvent e;
    e.position = i + 1;
    e.org = "acme";
    e.version = i + 1;
    e.event = org.events[i];
    e.meta = Metadata();
    events.push_back(std::move(e));
  }
  auto projection = projections::NewOrganizationsProjection();
  for (auto _ : s) {
    s.PauseTiming();
    auto store = eventstore::NewMemoryStateStore();
    s.ResumeTiming();
    for (std::size_t from = 0; from < events.size(); from += 512) {
      auto reader = store->Snapshot();
      projections::StateTx tx(reader.get(), "");
      const std::size_t to = std::min(events.size(), from + 512);
      for (std::size_t i = from; i < to; ++i) {
        if (!projection->Apply(events[i], tx).ok()) s.SkipWithError("apply");
      }
      eventstore::StateBatch batch;
      tx.CommitTo(&batch);
      if (!store->Write(batch).ok()) s.SkipWithError("write");
    }
  }
  s.SetItemsProcessed(s.iterations() * events.size());
}
BENCHMARK(BM_ProjectionApply_Organizations)->Arg(1000);

}  // namespace
}  // namespace orgledger

BENCHMARK_MAIN();
