#include "bench/workloads.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdio>
#include <future>
#include <mutex>
#include <random>
#include <thread>

#include "bench/calibrate.h"
#include "bench/histogram.h"
#include "bench/org_book.h"
#include "bench/people.h"
#include "eventstore/rocksdb_event_store.h"

namespace orgledger::bench {
namespace {

using Clock = std::chrono::steady_clock;

double Us(Clock::duration d) {
  return std::chrono::duration<double, std::micro>(d).count();
}

// Latencies and outcomes from many threads.
class Recorder {
 public:
  void Add(double us, const commands::CommandOutcome& o) {
    std::lock_guard<std::mutex> lock(mu_);
    us_.Add(us);
    if (o.ok()) {
      ++accepted_;
      events_ += o.events.size();
    } else {
      ++rejections_[std::string(CodeName(o.error.code()))];
    }
  }
  std::uint64_t count() {
    std::lock_guard<std::mutex> lock(mu_);
    return us_.count();
  }
  CommandFigures Figures(double seconds) {
    std::lock_guard<std::mutex> lock(mu_);
    CommandFigures f;
    f.commands = us_.count();
    f.accepted = accepted_;
    f.events = events_;
    f.seconds = seconds;
    f.p50_us = us_.Percentile(0.5);
    f.p99_us = us_.Percentile(0.99);
    f.max_us = us_.max_us();
    f.rejections = rejections_;
    return f;
  }

 private:
  std::mutex mu_;
  LatencyHistogram us_;
  std::uint64_t accepted_ = 0;
  std::uint64_t events_ = 0;
  std::map<std::string, std::uint64_t> rejections_;
};

// W1's command `step` (0-2) for organization `org`; `invite` is the id
// step 1 returned.
commands::CommandRequest OnboardingRequest(
    long org, int step, const std::optional<std::string>& invite) {
  switch (step) {
    case 0:
      return Request(org, Admin(org), domain::CreateOrganization{"team"});
    case 1:
      return Request(org, Admin(org),
                     domain::InviteBillingManager{Biller(org).email});
    default:
      return Request(org, Biller(org),
                     domain::AcceptInvite{invite, std::nullopt});
  }
}

// One W1 writer through the async API: its organizations one after
// another, each three commands, each started when the previous one is
// acknowledged.
class OnboardingChain : public std::enable_shared_from_this<OnboardingChain> {
 public:
  OnboardingChain(commands::Engine& engine, Recorder& recorder, long next,
                  long end, int stride, std::function<void()> finished)
      : engine_(engine),
        recorder_(recorder),
        org_(next),
        end_(end),
        stride_(stride),
        finished_(std::move(finished)) {}

  void Step() {
    if (org_ >= end_) return finished_();
    commands::CommandRequest r = OnboardingRequest(org_, step_, invite_);
    const auto start = Clock::now();
    engine_.ExecuteAsync(std::move(r), [self = shared_from_this(),
                                        start](commands::CommandOutcome o) {
      self->recorder_.Add(Us(Clock::now() - start), o);
      if (self->step_ == 1) self->invite_ = o.invite_id;
      if (++self->step_ == 3) {
        self->step_ = 0;
        self->org_ += self->stride_;
      }
      self->Step();
    });
  }

 private:
  commands::Engine& engine_;
  Recorder& recorder_;
  long org_;
  const long end_;
  const int stride_;
  int step_ = 0;
  std::optional<std::string> invite_;
  std::function<void()> finished_;
};

void WatchProgress(const Progress& progress, std::atomic<bool>& done,
                   const std::function<std::uint64_t()>& count,
                   std::uint64_t total) {
  while (!done.load()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (progress) progress(count(), total);
  }
}

}  // namespace

CommandFigures Onboarding(commands::Engine& engine, long first, long orgs,
                          int writers, const Progress& progress) {
  Recorder recorder;
  std::atomic<bool> done{false};
  std::thread watcher([&] {
    WatchProgress(
        progress, done, [&] { return recorder.count(); },
        static_cast<std::uint64_t>(orgs) * 3);
  });
  const auto t0 = Clock::now();
  if (writers == 1) {
    // One command at a time: a host thread calling the blocking API, the
    // way an embedding server runs one request.
    for (long org = first; org < first + orgs; ++org) {
      std::optional<std::string> invite;
      for (int step = 0; step < 3; ++step) {
        const auto start = Clock::now();
        commands::CommandOutcome o =
            engine.Execute(OnboardingRequest(org, step, invite));
        recorder.Add(Us(Clock::now() - start), o);
        if (step == 1) invite = o.invite_id;
      }
    }
  } else {
    std::mutex mu;
    std::condition_variable cv;
    int running = writers;
    for (int w = 0; w < writers; ++w) {
      auto chain = std::make_shared<OnboardingChain>(
          engine, recorder, first + w, first + orgs, writers, [&] {
            std::lock_guard<std::mutex> lock(mu);
            if (--running == 0) cv.notify_all();
          });
      chain->Step();
    }
    std::unique_lock<std::mutex> lock(mu);
    cv.wait(lock, [&] { return running == 0; });
  }
  const double seconds =
      std::chrono::duration<double>(Clock::now() - t0).count();
  done = true;
  watcher.join();
  return recorder.Figures(seconds);
}

namespace {

// `readers` threads asking the views `next` makes (from each thread's own
// generator, seeded `seed` + its number) for `seconds`; `errors` starts
// the count of failures.
QueryFigures TimedReaders(
    commands::Engine& engine, int readers, double seconds, int seed,
    std::uint64_t errors_before,
    const std::function<projections::ViewRequest(std::mt19937_64&)>& next) {
  std::vector<LatencyHistogram> us(readers);
  std::atomic<std::uint64_t> errors{errors_before};
  const auto t0 = Clock::now();
  const auto deadline =
      t0 + std::chrono::microseconds(static_cast<long>(seconds * 1e6));
  std::vector<std::thread> threads;
  for (int r = 0; r < readers; ++r) {
    threads.emplace_back([&, r] {
      std::mt19937_64 rng(r + seed);
      while (Clock::now() < deadline) {
        projections::ViewRequest q = next(rng);
        const auto start = Clock::now();
        if (!engine.Query(q).ok()) ++errors;
        us[r].Add(Us(Clock::now() - start));
      }
    });
  }
  for (auto& t : threads) t.join();
  QueryFigures f;
  LatencyHistogram all;
  for (const auto& h : us) all.Merge(h);
  f.queries = all.count();
  f.errors = errors;
  f.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  f.p50_us = all.Percentile(0.5);
  f.p99_us = all.Percentile(0.99);
  return f;
}

}  // namespace

QueryFigures Views(commands::Engine& engine, long orgs, int readers,
                   double seconds, bool admins_only) {
  return TimedReaders(
      engine, readers, seconds, 1, 0, [&](std::mt19937_64& rng) {
        const char* views[] = {"billing_managers", "member_count", "billing"};
        const long i = static_cast<long>(rng() % orgs);
        projections::ViewRequest q;
        q.view = views[rng() % 3];
        q.org = Org(i);
        q.viewer = admins_only || rng() % 2 ? Admin(i) : Biller(i);
        return q;
      });
}

namespace {

// Zipf(s) over [0, n): a precomputed CDF, sampled by binary search.
class Zipf {
 public:
  Zipf(long n, double s) : cdf_(n) {
    double sum = 0;
    for (long i = 0; i < n; ++i) cdf_[i] = (sum += 1.0 / std::pow(i + 1.0, s));
    for (double& c : cdf_) c /= sum;
  }
  long operator()(std::mt19937_64& rng) const {
    const double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin();
  }

 private:
  std::vector<double> cdf_;
};

}  // namespace

MixedFigures Mixed(commands::Engine& engine, long orgs, double seconds,
                   bool steady, const Progress& progress) {
  // Setup (not timed): the organizations, 80% enterprise.
  {
    std::vector<std::future<commands::CommandOutcome>> pending;
    for (long i = 0; i < orgs; ++i) {
      auto p = std::make_shared<std::promise<commands::CommandOutcome>>();
      pending.push_back(p->get_future());
      engine.ExecuteAsync(
          Request(
              i, Admin(i),
              domain::CreateOrganization{i % 5 == 0 ? "team" : "enterprise"}),
          [p](commands::CommandOutcome o) { p->set_value(std::move(o)); });
      if (pending.size() >= 256) {
        for (auto& f : pending) f.get();
        pending.clear();
        if (progress) progress(i, orgs);
      }
    }
    for (auto& f : pending) f.get();
  }
  // A marker for scripts that sample the process (scripts/soak).
  std::fprintf(stderr, "bench: W5 setup done; the timed run of %.0f s starts\n",
               seconds);
  std::vector<OrgBook> books(orgs);
  for (OrgBook& book : books) book.SetSteady(steady);
  const Zipf zipf(orgs, 1.1);
  const domain::Context& clock = *engine.options().context;
  Recorder recorder;
  std::atomic<bool> stop{false};
  const auto t0 = Clock::now();
  std::vector<std::thread> writers;
  for (int w = 0; w < 64; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937_64 rng(1000 + w);
      while (!stop.load()) {
        const long i = zipf(rng);
        OrgBook::Step step = books[i].Next(i, clock, rng);
        const auto start = Clock::now();
        // Settle reads what the step claimed, not its request.
        commands::CommandOutcome o = engine.Execute(std::move(step.request));
        recorder.Add(Us(Clock::now() - start), o);
        books[i].Settle(step, o);
      }
    });
  }
  QueryFigures views;
  std::thread readers([&] { views = Views(engine, orgs, 4, seconds, true); });
  const auto deadline =
      t0 + std::chrono::microseconds(static_cast<long>(seconds * 1e6));
  auto next_memory = t0 + std::chrono::seconds(30);
  while (Clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    if (Clock::now() >= next_memory) {
      // Where the memory is, for the soak's log (scripts/soak).
      next_memory += std::chrono::seconds(30);
      const commands::EngineStats e = engine.stats();
      const eventstore::StoreStats st = engine.store().Stats();
      const HeapMb heap = CurrentHeapMb();
      std::fprintf(
          stderr,
          "bench: W5 memory at %.0f s: rss %.0f MB (heap in use "
          "%.0f, free in malloc %.0f), state cache "
          "%zu orgs %.1f MB, rocksdb cache %.1f MB (pinned %.1f, "
          "memtables %.1f), table readers %.1f MB (%zu files)\n",
          std::chrono::duration<double>(Clock::now() - t0).count(),
          CurrentRssMb(), heap.in_use, heap.free, e.state_cache_entries,
          e.state_cache_bytes / 1048576.0,
          st.Gauge(eventstore::kRocksDbCacheBytes) / 1048576.0,
          st.Gauge(eventstore::kRocksDbPinnedBytes) / 1048576.0,
          st.Gauge(eventstore::kRocksDbMemtableBytes) / 1048576.0,
          st.Gauge(eventstore::kRocksDbTableReaderBytes) / 1048576.0,
          static_cast<std::size_t>(st.Gauge(eventstore::kRocksDbLiveFiles)));
    }
    if (progress) {
      progress(static_cast<std::uint64_t>(
                   std::chrono::duration<double>(Clock::now() - t0).count()),
               static_cast<std::uint64_t>(seconds));
    }
  }
  stop = true;
  for (auto& t : writers) t.join();
  readers.join();
  // The end of what scripts/soak samples (the verify that follows is not
  // the soak's).
  std::fprintf(stderr, "bench: W5 timed run done\n");
  MixedFigures f;
  f.commands = recorder.Figures(
      std::chrono::duration<double>(Clock::now() - t0).count());
  f.views = views;
  return f;
}

HistoryFigures History(commands::Engine& engine, long orgs, long events,
                       int readers, double seconds, const Progress& progress) {
  const auto setup = Clock::now();
  // Each organization's first and last positions.
  std::vector<eventstore::Position> first(orgs, 0);
  std::vector<eventstore::Position> last(orgs, 0);
  std::vector<OrgBook> books(orgs);
  const domain::Context& clock = *engine.options().context;
  std::atomic<long> done{0};
  std::atomic<std::uint64_t> failures{0};
  std::vector<std::thread> writers;
  constexpr int kWriters = 64;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      std::mt19937_64 rng(7000 + w);
      for (long i = w; i < orgs; i += kWriters) {
        commands::CommandOutcome created = engine.Execute(
            Request(i, Admin(i), domain::CreateOrganization{"enterprise"}));
        if (!created.ok()) {
          ++failures;
          continue;
        }
        first[i] = last[i] = created.position;
        std::uint64_t version = created.version;
        // The mix's rejections append nothing (but a failed acceptance):
        // a bounded number of tries, so that a stuck book cannot spin.
        for (long tries = 0;
             version < static_cast<std::uint64_t>(events) && tries < events * 4;
             ++tries) {
          OrgBook::Step step = books[i].Next(i, clock, rng);
          commands::CommandOutcome o = engine.Execute(std::move(step.request));
          if (o.position > last[i]) last[i] = o.position;
          if (o.ok() && o.version > version) version = o.version;
          books[i].Settle(step, o);
        }
        if (progress) progress(++done, orgs);
      }
    });
  }
  for (auto& t : writers) t.join();
  HistoryFigures f;
  f.events = engine.store().CommittedPosition();
  f.setup_seconds = std::chrono::duration<double>(Clock::now() - setup).count();
  engine.projections().WaitFor(engine.store().CommittedPosition(),
                               std::chrono::minutes(5));

  auto draw = [&](std::mt19937_64& rng) {
    const char* views[] = {"billing_managers", "members", "billing"};
    const long i = static_cast<long>(rng() % orgs);
    projections::ViewRequest q;
    q.view = views[rng() % 3];
    q.org = Org(i);
    q.viewer = Admin(i);
    q.as_of = projections::AsOf{first[i] + rng() % (last[i] - first[i] + 1),
                                std::nullopt};
    return q;
  };
  f.views = TimedReaders(engine, readers, seconds, 11, failures.load(), draw);
  constexpr int kSampled = 1000;
  std::mt19937_64 rng(12);
  std::uint64_t folded = 0;
  for (int n = 0; n < kSampled; ++n) {
    projections::ViewRequest q = draw(rng);
    Result<projections::FoldedOrg> o = projections::FoldAsOf(
        engine.projections(), q.org, *q.as_of, clock.Now());
    if (o.ok()) folded += o->folded;
  }
  f.folded_per_query = static_cast<double>(folded) / kSampled;
  return f;
}

}  // namespace orgledger::bench
