// The scheduled jobs of reports (report schedules, record snapshots) are rows of a
// table with `active` and `next_run_at`. This runs the due ones of every workspace,
// each once even with several servers doing the same: a job is claimed by moving its
// next run on from now (guarded by the next run it was read with), and whoever moves
// it runs it. A server down for a week runs a job once, not once per missed run.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "core/error.h"
#include "core/time.h"
#include "storage/database.h"

namespace rapport::reports::internal {

// `from_row(row)` reads a job (with `id` and `next_run_at`) from `columns`;
// `next_run(tenant_id, job)` says when it is due after now (Result<optional<Micros>>);
// `run(tenant_id, job)` runs a claimed one (Status). `claim_also` is more of the
// claiming UPDATE's SET ("version = version + 1"). Returns how many ran; a job that
// fails does not stop the others: the first failure is returned once all had their turn.
template <typename FromRow, typename NextRun, typename Run>
Result<int> RunDueJobs(storage::Database& db, std::string_view table, std::string_view columns, Micros now,
                       FromRow from_row, NextRun next_run, Run run, std::string_view claim_also = "") {
  using Job = typename std::invoke_result_t<FromRow, const std::vector<storage::Value>&>::value_type;
  std::vector<std::pair<std::string, Job>> due;
  // Across workspaces: a small table (a row per job), read once a minute; its index,
  // like every one, leads with the tenant (on an engine sharded by tenant this is one
  // query per shard).
  RAPPORT_TRY(db.Read([&](storage::Connection& c) -> Status {
    std::vector<storage::Value> params = {FormatDatetime(now)};
    RAPPORT_ASSIGN_OR_RETURN(
        auto rows, c.Query(fmt::format("SELECT tenant_id, {} FROM {} WHERE active = 1 AND next_run_at <> '' AND "
                                       "next_run_at <= ? ORDER BY next_run_at LIMIT 100",
                                       columns, table),
                           params));
    for (const auto& row : rows.rows) {
      RAPPORT_ASSIGN_OR_RETURN(Job job, from_row(std::vector<storage::Value>(row.begin() + 1, row.end())));
      due.emplace_back(storage::TextOf(row[0]), std::move(job));
    }
    return Ok();
  }));
  int ran = 0;
  std::optional<Error> failed;
  auto failure = [&](const Error& e) {
    if (!failed) failed = e;
  };
  for (auto& [tenant_id, job] : due) {
    Result<std::optional<Micros>> next = next_run(tenant_id, job);
    if (!next) {
      failure(next.error());
      continue;
    }
    int64_t claimed = 0;
    Status claim = db.Write([&](storage::Connection& c) -> Status {
      std::vector<storage::Value> params = {*next ? FormatDatetime(**next) : std::string(), tenant_id, job.id,
                                            job.next_run_at};
      RAPPORT_ASSIGN_OR_RETURN(claimed, c.Execute(fmt::format("UPDATE {} SET next_run_at = ?{}{} WHERE tenant_id = ? AND "
                                                              "id = ? AND next_run_at = ? AND active = 1",
                                                              table, claim_also.empty() ? "" : ", ", claim_also),
                                                  params));
      return Ok();
    });
    if (!claim) {
      failure(claim.error());
      continue;
    }
    if (claimed != 1) continue;
    if (Status done = run(tenant_id, job); !done) {
      failure(done.error());
      continue;
    }
    ++ran;
  }
  if (failed) return Fail(*failed);
  return ran;
}

}  // namespace rapport::reports::internal
