// Scheduled reports: a saved report (or a dashboard) mailed on a schedule (daily, weekly or monthly at
// an hour of the workspace's time zone) to users of the workspace, with the report
// attached as CSV or XLSX and its totals in the mail's text. Each recipient gets the
// report run as themselves, with the export permission a download needs: a rep gets
// their own deals' figures, a manager their team's, and someone who may not export
// the object gets nothing (the schedule's last status says so). Mail leaves through
// a mail::Mailer (SMTP); without one, schedules are kept but none is sent.
//
// Who may do what: anyone may schedule a report they may open, to any active user of
// the workspace; a schedule is changed or deleted by its author or an administrator.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "mail/mail.h"
#include "reports/dashboards.h"
#include "reports/report_engine.h"
#include "reports/saved_reports.h"
#include "security/principal.h"
#include "storage/database.h"
#include "workspace/workspace_settings.h"

namespace rapport::reports {

enum class Frequency { kDaily, kWeekly, kMonthly };
std::string_view FrequencyName(Frequency frequency);
std::optional<Frequency> ParseFrequency(std::string_view name);

inline constexpr size_t kMaxRecipients = 50;

struct ReportSchedule {
  std::string id;
  std::string report_id;     // a saved report; or
  std::string dashboard_id;  // a dashboard: each widget's figures, its reports attached
  std::string format = "xlsx";          // or "csv"
  std::vector<std::string> recipients;  // user ids
  Frequency frequency = Frequency::kWeekly;
  int hour = 8;          // 0..23, in the workspace's time zone
  int weekday = 1;       // weekly: 1 (Monday) .. 7 (Sunday)
  int day_of_month = 1;  // monthly: 1..28
  bool active = true;
  std::string owner_id;
  std::string next_run_at;  // when it is next due (empty while inactive)
  std::string last_run_at;
  std::string last_status;  // what the last sending did: "Sent to 2 of 3: ..."
  std::string created_at;
  std::string updated_at;
};

struct ScheduleChanges {
  std::optional<std::string> report_id;
  std::optional<std::string> dashboard_id;
  std::optional<std::string> format;
  std::optional<std::vector<std::string>> recipients;
  std::optional<Frequency> frequency;
  std::optional<int> hour;
  std::optional<int> weekday;
  std::optional<int> day_of_month;
  std::optional<bool> active;
};

// When a job recurs: every day, week or month at an hour of the workspace's time zone.
struct Cadence {
  Frequency frequency = Frequency::kDaily;
  int hour = 0;          // 0..23
  int weekday = 1;       // weekly: 1 (Monday) .. 7 (Sunday)
  int day_of_month = 1;  // monthly: 1..28
};

// The first time after `after` the cadence falls due, in `zone` (an hour the clocks
// skip runs when they resume); nullopt for an unknown zone.
std::optional<Micros> NextRun(const Cadence& cadence, Micros after, std::string_view zone);
inline std::optional<Micros> NextRun(const ReportSchedule& s, Micros after, std::string_view zone) {
  return NextRun(Cadence{s.frequency, s.hour, s.weekday, s.day_of_month}, after, zone);
}

struct SendOutcome {
  int sent = 0;
  int recipients = 0;
  std::string status;  // as kept in last_status
};

class ReportSchedules {
 public:
  ReportSchedules(storage::Database& db, ReportEngine& engine, SavedReports& reports, records::RecordService& records,
                  workspace::WorkspaceSettingsStore& settings, Dashboards& dashboards,
                  const Clock& clock = SystemClock::Instance());

  // The caller's schedules (an administrator's: every one of the workspace).
  Result<std::vector<ReportSchedule>> List(const security::Principal& principal);
  Result<ReportSchedule> Get(const security::Principal& principal, const std::string& id);
  Result<ReportSchedule> Create(const security::Principal& principal, ReportSchedule schedule);
  Result<ReportSchedule> Update(const security::Principal& principal, const std::string& id, const ScheduleChanges& changes);
  Status Delete(const security::Principal& principal, const std::string& id);

  // Mails the schedule's report now to each recipient (its next run is unchanged).
  Result<SendOutcome> SendNow(const security::Principal& principal, const std::string& id, mail::Mailer& mailer);
  // Mails every schedule of every workspace that is due, each once even with several
  // servers running this (a due schedule is claimed by moving its next run first).
  // Returns how many schedules were run.
  Result<int> RunDue(mail::Mailer& mailer);

 private:
  Status Check(const security::Principal& principal, const ReportSchedule& schedule);
  Result<SendOutcome> Send(const std::string& tenant_id, const ReportSchedule& schedule, mail::Mailer& mailer);
  Status Record(const std::string& tenant_id, const std::string& id, const SendOutcome& outcome);
  // The report as a file, run as `principal` with the export permission (`exported`:
  // a result already run so, to reuse).
  Result<mail::Attachment> File(const security::Principal& principal, const ReportDefinition& definition,
                                const std::string& name, const std::string& format,
                                const ReportResult* exported = nullptr);

  storage::Database& db_;
  ReportEngine& engine_;
  SavedReports& reports_;
  records::RecordService& records_;
  workspace::WorkspaceSettingsStore& settings_;
  Dashboards& dashboards_;
  const Clock& clock_;
};

}  // namespace rapport::reports
