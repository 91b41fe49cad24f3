// How the engine asks the C library's malloc to hold its memory, so that a
// long-running process's resident set stays near what it really uses.
//
// Why: glibc's malloc raises its mmap threshold each time a large block is
// freed (up to 32 MiB), so later large blocks (snapshots of big
// organizations, RocksDB memtable arenas and blocks) come from the heap;
// once freed, their space is reused for small objects and can never be
// given back. Each busy thread may also get an arena of its own (up to 8
// per core). The 10-minute soak of issue 7 (64 writers) grew RSS by 13-27%
// with every cache at its budget and the heap in use flat; the free memory
// inside malloc was what grew (docs/reliability.md).
//
// The policy: a fixed mmap threshold of 128 KiB (large blocks are mapped,
// and unmapped when freed), one arena per core, at least 2 (glibc's
// default is 8 per core), and no fastbins (small freed chunks coalesce
// instead of waiting in per-size lists; in alternating soaks the RSS grew
// about three points less, and W1 with 64 writers did not slow). A
// process-wide setting: a host with its own allocator or policy turns it off
// (EngineOptions::tune_malloc = false). A parameter the process already sets
// through its environment (MALLOC_MMAP_THRESHOLD_, MALLOC_ARENA_MAX,
// GLIBC_TUNABLES) is left as set. A no-op where the C library is not glibc.
#ifndef ORGLEDGER_BASE_MALLOC_POLICY_H_
#define ORGLEDGER_BASE_MALLOC_POLICY_H_

namespace orgledger {

// Applies the policy once per process (later calls do nothing). Engine::Open
// calls it, but glibc fixes its arena limit when a second thread first
// allocates: a host calls it at the top of main, before any thread, for
// the arena limit to hold (the `orgledger` command does). Returns
// whether malloc was changed by the first call (false: not glibc, or all
// set by the environment).
bool ApplyMallocPolicy();

}  // namespace orgledger

#endif  // ORGLEDGER_BASE_MALLOC_POLICY_H_
