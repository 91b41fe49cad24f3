// This machine's limits, measured in the benchmark's own directory
// (BENCH.md "Calibration"): the ceilings every workload figure is compared
// with, measured in the same run.
#ifndef ORGLEDGER_TOOLS_BENCH_CALIBRATE_H_
#define ORGLEDGER_TOOLS_BENCH_CALIBRATE_H_

#include <string>
#include <vector>

namespace orgledger::bench {

// Median latency of appending 4 KiB to a file and fdatasync, as a
// write-ahead log does; 1e6 / it is the ceiling of one-at-a-time durable
// commits.
double FsyncMicros(const std::string& dir, int rounds);

// Raw RocksDB throughput of 100-key write batches of 256-byte values, WAL
// on, no sync: keys per second (the ceiling for buffered appends).
double RocksDbBatchPutsPerSecond(const std::string& dir, int keys);

// Raw RocksDB forward iteration over column family `cf` of the database
// at `db` (opened read-only): keys per second; 0 if it cannot be opened.
double RocksDbScanPerSecond(const std::string& db, const std::string& cf,
                            std::uint64_t* keys);

// Median latency of one durable PostgreSQL commit of a one-row insert, one
// round trip (`url`'s server, in a scratch table): 1e6 / it is the ceiling
// of one-at-a-time commits there. 0 if the server cannot be reached.
double PostgresCommitMicros(const std::string& url, int rounds);

// Raw PostgreSQL read of the store's log in position order, in pages as
// the store reads it: rows per second; `rows` receives the count.
double PostgresScanPerSecond(const std::string& url, std::uint64_t* rows);

// The p-th percentile (0..1) of `values`.
double Percentile(std::vector<double> values, double p);

// This process's peak resident set, in MiB (VmHWM).
double PeakRssMb();
// This process's resident set now, in MB.
double CurrentRssMb();

// The C heap as malloc sees it, in MiB: bytes handed out and not freed
// (`in_use`), and bytes malloc holds free inside its arenas (`free`).
// Zero where the C library cannot tell (glibc's mallinfo2 only).
struct HeapMb {
  double in_use = 0;
  double free = 0;
};
HeapMb CurrentHeapMb();

}  // namespace orgledger::bench

#endif  // ORGLEDGER_TOOLS_BENCH_CALIBRATE_H_
