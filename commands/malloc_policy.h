// How the engine asks glibc's malloc to hold its memory, so that a
// long-running process's resident set stays near what it really uses: a
// fixed mmap threshold of 128 KiB, one arena per core (at least 2), no
// fastbins. Why, and what each setting was measured to do:
// docs/reliability.md, "The malloc policy".
//
// A process-wide setting: a host with its own allocator or policy turns it
// off (EngineOptions::tune_malloc = false). A parameter the process already
// sets through its environment (MALLOC_MMAP_THRESHOLD_, MALLOC_ARENA_MAX,
// GLIBC_TUNABLES) is left as set. A no-op where the C library is not glibc.
#ifndef ORGLEDGER_COMMANDS_MALLOC_POLICY_H_
#define ORGLEDGER_COMMANDS_MALLOC_POLICY_H_

namespace orgledger {

// Applies the policy once per process (later calls do nothing). Engine::Open
// calls it, but glibc fixes its arena limit when a second thread first
// allocates: a host calls it at the top of main, before any thread, for
// the arena limit to hold (the `orgledger` command does). Returns
// whether malloc was changed by the first call (false: not glibc, or all
// set by the environment).
bool ApplyMallocPolicy();

}  // namespace orgledger

#endif  // ORGLEDGER_COMMANDS_MALLOC_POLICY_H_
