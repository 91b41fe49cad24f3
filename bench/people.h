// The organizations and people of the benchmark workloads: organization i
// is "org-i", administered by "u-admin-i", with "u-bill-i" its billing
// manager where a workload invites one.
#ifndef ORGLEDGER_TOOLS_BENCH_PEOPLE_H_
#define ORGLEDGER_TOOLS_BENCH_PEOPLE_H_

#include <string>

#include "commands/engine.h"

namespace orgledger::bench {

std::string Org(long i);
domain::Actor Admin(long i);
domain::Actor Biller(long i);
// Person n invited into organization i by W5.
domain::Actor Person(long i, int n);

commands::CommandRequest Request(long org, const domain::Actor& actor,
                                 domain::Command command);

}  // namespace orgledger::bench

#endif  // ORGLEDGER_TOOLS_BENCH_PEOPLE_H_
