#include "reports/schedules.h"

#include <algorithm>
#include <array>

#include <boost/json.hpp>
#include <fmt/format.h>

#include "core/calendar.h"
#include "core/id.h"
#include "core/names.h"
#include "exchange/record_export.h"
#include "reports/internal/due_jobs.h"
#include "reports/report_files.h"
#include "storage/owned_rows.h"

namespace rapport::reports {

namespace {

namespace json = boost::json;
using records::FieldValue;
using storage::Connection;
using storage::IntOf;
using storage::TextOf;
using storage::Value;

constexpr std::string_view kColumns =
    "id, report_id, format, recipients, frequency, hour, weekday, day_of_month, active, owner_id, next_run_at, "
    "last_run_at, last_status, created_at, updated_at, version, dashboard_id";
// A mail server takes some tens of megabytes: a bigger file is left out, and the mail says so.
constexpr size_t kMaxAttachment = 15 << 20;
constexpr size_t kSummaryRows = 10;

constexpr std::pair<std::string_view, Frequency> kFrequencies[] = {
    {"daily", Frequency::kDaily},
    {"weekly", Frequency::kWeekly},
    {"monthly", Frequency::kMonthly},
};

Error NotFound(std::string_view id) { return Error(ErrorCode::kNotFound, fmt::format("No schedule with id `{}`.", id)); }

Result<ReportSchedule> FromRow(const std::vector<Value>& row) {
  ReportSchedule s;
  s.id = TextOf(row[0]);
  s.report_id = TextOf(row[1]);
  s.format = TextOf(row[2]);
  boost::system::error_code ec;
  json::value recipients = json::parse(TextOf(row[3]), ec);
  if (ec || !recipients.is_array()) {
    return Fail(Error(ErrorCode::kInternal, "A schedule is unreadable.").WithInternal("report_schedules " + s.id));
  }
  for (const auto& r : recipients.as_array()) {
    if (r.is_string()) s.recipients.emplace_back(r.as_string());
  }
  s.frequency = ParseFrequency(TextOf(row[4])).value_or(Frequency::kWeekly);
  s.hour = static_cast<int>(IntOf(row[5]));
  s.weekday = static_cast<int>(IntOf(row[6]));
  s.day_of_month = static_cast<int>(IntOf(row[7]));
  s.active = IntOf(row[8]) != 0;
  s.owner_id = TextOf(row[9]);
  s.next_run_at = TextOf(row[10]);
  s.last_run_at = TextOf(row[11]);
  s.last_status = TextOf(row[12]);
  s.created_at = TextOf(row[13]);
  s.updated_at = TextOf(row[14]);
  s.dashboard_id = TextOf(row[16]);
  return s;
}

std::string RecipientsText(const std::vector<std::string>& ids) {
  json::array out;
  for (const auto& id : ids) out.emplace_back(id);
  return json::serialize(out);
}

// A schedule is its author's alone; an administrator sees and manages them all.
storage::OwnedRowsReader Reader(const security::Principal& p) {
  return {.tenant_id = p.tenant_id, .user_id = p.user_id, .shareable = false, .sees_all = p.is_admin};
}

std::string Text(const FieldValue& v) {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::monostate>) return "–";
        else if constexpr (std::is_same_v<T, bool>) return x ? "yes" : "no";
        else if constexpr (std::is_same_v<T, int64_t>) return std::to_string(x);
        else if constexpr (std::is_same_v<T, Decimal>) return x.ToString();
        else if constexpr (std::is_same_v<T, records::Money>) return fmt::format("{} {}", x.amount.ToString(2), x.currency);
        else if constexpr (std::is_same_v<T, std::string>) return x.empty() ? "(none)" : x;
        else return "…";
      },
      v);
}

// The mail's text: the totals, then the first groups (or how many records a list has).
std::string Summary(const ReportResult& result) {
  std::vector<std::string> measures;
  for (const auto& c : result.columns) {
    if (c.kind == ReportColumn::Kind::kAggregate) measures.push_back(c.label);
  }
  auto figures = [&](const records::AggregateRow& row) {
    std::string out;
    for (size_t i = 0; i < row.values.size() && i < measures.size(); ++i) {
      out += fmt::format("{}{}: {}", out.empty() ? "" : ", ", measures[i], Text(row.values[i]));
    }
    return out;
  };
  if (result.definition.type == ReportType::kTabular) {
    return fmt::format("{}{} records in the attached file.\n", result.records.size(),
                       result.next_cursor ? " and more" : "");
  }
  std::string out;
  if (result.sections.size() > 1 && result.sections.back().keys.empty()) {
    for (const auto& row : result.sections.back().rows) out += "Total: " + figures(row) + "\n";
  }
  const ReportSection& groups = result.sections.front();
  if (!groups.keys.empty()) {
    out += "\n";
    size_t shown = 0;
    for (const auto& row : groups.rows) {
      if (shown++ == kSummaryRows) {
        out += fmt::format("… and {} more in the attached file.\n", groups.rows.size() - kSummaryRows);
        break;
      }
      std::string keys;
      for (const auto& k : row.keys) keys += (keys.empty() ? "" : " · ") + Text(k);
      out += fmt::format("{}: {}\n", keys, figures(row));
    }
  } else if (out.empty()) {
    for (const auto& row : groups.rows) out += "Total: " + figures(row) + "\n";  // no groupings: the grand total
  }
  return out;
}

std::string FileName(std::string_view name, std::string_view date, std::string_view format) {
  std::string clean;
  for (char c : name) clean += (c == '/' || c == '\\' || c == '"' || static_cast<unsigned char>(c) < 0x20) ? '_' : c;
  return fmt::format("{} {}.{}", clean, date, format);
}

std::string Describe(const ReportSchedule& s) {
  static constexpr const char* kWeekdays[] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"};
  switch (s.frequency) {
    case Frequency::kDaily: return fmt::format("every day at {:02}:00", s.hour);
    case Frequency::kWeekly: return fmt::format("every {} at {:02}:00", kWeekdays[(s.weekday + 6) % 7], s.hour);
    case Frequency::kMonthly: return fmt::format("on day {} of every month at {:02}:00", s.day_of_month, s.hour);
  }
  return "";
}

}  // namespace

std::string_view FrequencyName(Frequency frequency) { return NameOf(kFrequencies, frequency, "?"); }

std::optional<Frequency> ParseFrequency(std::string_view name) { return ValueNamed(kFrequencies, name); }

std::optional<Micros> NextRun(const Cadence& s, Micros after, std::string_view zone) {
  std::optional<int64_t> today = LocalDays(after, zone);
  if (!today) return std::nullopt;
  for (int64_t day = *today; day < *today + 40; ++day) {
    if (s.frequency == Frequency::kWeekly && ((day + 3) % 7 + 7) % 7 + 1 != s.weekday) continue;  // day 0: a Thursday
    if (s.frequency == Frequency::kMonthly && std::stoi(FormatDate(day).substr(8, 2)) != s.day_of_month) continue;
    std::optional<Micros> at = LocalTime(day, int64_t{s.hour} * 3600, zone);
    if (!at) return std::nullopt;
    if (*at > after) return at;
  }
  return std::nullopt;
}

ReportSchedules::ReportSchedules(storage::Database& db, ReportEngine& engine, SavedReports& reports,
                                 records::RecordService& records, workspace::WorkspaceSettingsStore& settings,
                                 Dashboards& dashboards, const Clock& clock)
    : db_(db),
      engine_(engine),
      reports_(reports),
      records_(records),
      settings_(settings),
      dashboards_(dashboards),
      clock_(clock) {}

Status ReportSchedules::Check(const security::Principal& p, const ReportSchedule& s) {
  if (s.report_id.empty() == s.dashboard_id.empty()) {
    return Fail(InvalidField(s.report_id.empty() ? "report_id" : "dashboard_id",
                             "A schedule mails a report or a dashboard: give one of report_id and dashboard_id."));
  }
  auto refused = [](const Error& e) {
    return e.code() == ErrorCode::kNotFound || e.code() == ErrorCode::kPermissionDenied;
  };
  if (!s.report_id.empty()) {
    auto report = reports_.Get(p, s.report_id);
    if (!report && !refused(report.error())) return Fail(report.error());
    if (!report) return Fail(InvalidField("report_id", fmt::format("No report `{}` that you may open.", s.report_id)));
  } else {
    auto dashboard = dashboards_.Get(p, s.dashboard_id);
    if (!dashboard && !refused(dashboard.error())) return Fail(dashboard.error());
    if (!dashboard) {
      return Fail(InvalidField("dashboard_id", fmt::format("No dashboard `{}` that you may open.", s.dashboard_id)));
    }
  }
  if (s.format != "csv" && s.format != "xlsx") return Fail(InvalidField("format", "csv or xlsx."));
  if (s.hour < 0 || s.hour > 23) return Fail(InvalidField("hour", "An hour of the day, 0 to 23."));
  if (s.weekday < 1 || s.weekday > 7) return Fail(InvalidField("weekday", "1 (Monday) to 7 (Sunday)."));
  if (s.day_of_month < 1 || s.day_of_month > 28) {
    return Fail(InvalidField("day_of_month", "1 to 28 (a day every month has)."));
  }
  if (s.recipients.empty() || s.recipients.size() > kMaxRecipients) {
    return Fail(InvalidField("recipients", fmt::format("1 to {} users of the workspace.", kMaxRecipients)));
  }
  for (size_t i = 0; i < s.recipients.size(); ++i) {
    const std::string field = fmt::format("recipients[{}]", i);
    if (!IsValidId(s.recipients[i])) return Fail(InvalidField(field, "A user's id."));
    auto user = records_.Get(security::Principal::System(p.tenant_id), "users", s.recipients[i], {});
    const FieldValue* active = user ? user->Find("active") : nullptr;
    if (!user || (active && std::holds_alternative<bool>(*active) && !std::get<bool>(*active))) {
      return Fail(InvalidField(field, fmt::format("No active user `{}` in this workspace.", s.recipients[i])));
    }
  }
  return Ok();
}

Result<std::vector<ReportSchedule>> ReportSchedules::List(const security::Principal& p) {
  return storage::SelectOwnedRows(db_, Reader(p), {.table = "report_schedules", .columns = kColumns, .order = "created_at, id"},
                                  FromRow);
}

Result<ReportSchedule> ReportSchedules::Get(const security::Principal& p, const std::string& id) {
  // Someone else's schedule is as good as absent to a non-administrator.
  RAPPORT_ASSIGN_OR_RETURN(std::optional<ReportSchedule> found,
                           storage::FindOwnedRow(db_, Reader(p), "report_schedules", kColumns, id, FromRow));
  if (!found) return Fail(NotFound(id));
  return *found;
}

Result<ReportSchedule> ReportSchedules::Create(const security::Principal& p, ReportSchedule s) {
  if (p.read_only) return Fail(ErrorCode::kPermissionDenied, "A read-only token cannot schedule reports.");
  std::sort(s.recipients.begin(), s.recipients.end());
  s.recipients.erase(std::unique(s.recipients.begin(), s.recipients.end()), s.recipients.end());
  RAPPORT_TRY(Check(p, s));
  RAPPORT_ASSIGN_OR_RETURN(workspace::WorkspaceSettings calendar, settings_.Get(p.tenant_id));
  const Micros now = clock_.Now();
  s.id = NewId(clock_);
  s.owner_id = p.user_id;
  s.created_at = s.updated_at = FormatDatetime(now);
  s.next_run_at.clear();
  if (s.active) {
    auto next = NextRun(s, now, calendar.time_zone);
    if (next) s.next_run_at = FormatDatetime(*next);
  }
  s.last_run_at.clear();
  s.last_status.clear();
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {p.tenant_id, s.id, s.report_id, s.dashboard_id, s.format, RecipientsText(s.recipients),
                                 std::string(FrequencyName(s.frequency)), int64_t{s.hour}, int64_t{s.weekday},
                                 int64_t{s.day_of_month}, int64_t{s.active}, s.owner_id, s.next_run_at,
                                 s.created_at, s.updated_at};
    RAPPORT_TRY(c.Execute("INSERT INTO report_schedules (tenant_id, id, report_id, dashboard_id, format, recipients, "
                          "frequency, hour, weekday, day_of_month, active, owner_id, next_run_at, last_run_at, "
                          "last_status, created_at, updated_at, version) "
                          "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '', ?, ?, 1)",
                          params));
    return Ok();
  }));
  return s;
}

Result<ReportSchedule> ReportSchedules::Update(const security::Principal& p, const std::string& id,
                                               const ScheduleChanges& changes) {
  if (p.read_only) return Fail(ErrorCode::kPermissionDenied, "A read-only token cannot change schedules.");
  RAPPORT_ASSIGN_OR_RETURN(ReportSchedule s, Get(p, id));
  const std::string read_at = s.updated_at;
  if (changes.report_id) s.report_id = *changes.report_id;
  if (changes.dashboard_id) s.dashboard_id = *changes.dashboard_id;
  if (changes.format) s.format = *changes.format;
  if (changes.recipients) {
    s.recipients = *changes.recipients;
    std::sort(s.recipients.begin(), s.recipients.end());
    s.recipients.erase(std::unique(s.recipients.begin(), s.recipients.end()), s.recipients.end());
  }
  if (changes.frequency) s.frequency = *changes.frequency;
  if (changes.hour) s.hour = *changes.hour;
  if (changes.weekday) s.weekday = *changes.weekday;
  if (changes.day_of_month) s.day_of_month = *changes.day_of_month;
  if (changes.active) s.active = *changes.active;
  RAPPORT_TRY(Check(p, s));
  RAPPORT_ASSIGN_OR_RETURN(workspace::WorkspaceSettings calendar, settings_.Get(p.tenant_id));
  const Micros now = clock_.Now();
  s.updated_at = FormatDatetime(now);
  s.next_run_at.clear();
  if (s.active) {
    if (auto next = NextRun(s, now, calendar.time_zone)) s.next_run_at = FormatDatetime(*next);
  }
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {s.report_id, s.dashboard_id, s.format, RecipientsText(s.recipients),
                                 std::string(FrequencyName(s.frequency)), int64_t{s.hour}, int64_t{s.weekday},
                                 int64_t{s.day_of_month}, int64_t{s.active}, s.next_run_at, s.updated_at,
                                 p.tenant_id, id, read_at};
    RAPPORT_ASSIGN_OR_RETURN(
        int64_t n, c.Execute("UPDATE report_schedules SET report_id = ?, dashboard_id = ?, format = ?, recipients = ?, "
                             "frequency = ?, "
                             "hour = ?, weekday = ?, day_of_month = ?, active = ?, next_run_at = ?, updated_at = ?, "
                             "version = version + 1 WHERE tenant_id = ? AND id = ? AND updated_at = ?",
                             params));
    if (n != 1) {
      return Fail(ErrorCode::kFailedPrecondition, "The schedule changed while you were saving; load it again and retry.");
    }
    return Ok();
  }));
  return s;
}

Status ReportSchedules::Delete(const security::Principal& p, const std::string& id) {
  if (p.read_only) return Fail(ErrorCode::kPermissionDenied, "A read-only token cannot delete schedules.");
  RAPPORT_TRY(Get(p, id));
  return db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {p.tenant_id, id};
    RAPPORT_TRY(c.Execute("DELETE FROM report_schedules WHERE tenant_id = ? AND id = ?", params));
    return Ok();
  });
}

namespace {

// What one recipient gets: a title, the text, the files.
struct Content {
  std::string title;
  std::string text;
  std::vector<mail::Attachment> files;
};

// A refusal said to whoever reads the schedule, not to the recipient: third person.
std::string Refusal(const Error& e, std::string_view what) {
  if (e.code() == ErrorCode::kNotFound) return fmt::format("may not open the {}", what);
  return e.detail();
}

}  // namespace

// The report `definition` as a file, run as `p` with the export permission a
// download needs.
Result<mail::Attachment> ReportSchedules::File(const security::Principal& p, const ReportDefinition& definition,
                                                const std::string& name, const std::string& format,
                                                const ReportResult* exported) {
  mail::Attachment file{.filename = name};
  if (format == "xlsx") {
    file.content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
    if (exported && definition.type != ReportType::kTabular) {
      RAPPORT_ASSIGN_OR_RETURN(file.bytes, GroupedReportXlsx(*exported, /*labels=*/true));
      return file;
    }
    RAPPORT_ASSIGN_OR_RETURN(ReportFile xlsx, ReportXlsx(engine_, p, definition, /*labels=*/true));
    file.bytes = std::move(xlsx.bytes);
    return file;
  }
  file.content_type = "text/csv; charset=utf-8";
  if (definition.type != ReportType::kTabular) {
    if (exported) {
      file.bytes = ReportCsv(*exported, /*labels=*/true);
      return file;
    }
    RAPPORT_ASSIGN_OR_RETURN(ReportResult result, engine_.Run(p, definition, {.for_export = true}));
    file.bytes = ReportCsv(result, /*labels=*/true);
    return file;
  }
  // Every record, as the list export writes them.
  RAPPORT_ASSIGN_OR_RETURN(exchange::CsvExport csv,
                           exchange::CsvExport::Start(records_, p, {.object = definition.object, .filter = definition.filter,
                                                                    .sort = definition.sort, .fields = definition.columns,
                                                                    .header = exchange::ExportHeader::kLabels}));
  while (file.bytes.size() <= kMaxAttachment) {
    RAPPORT_ASSIGN_OR_RETURN(std::string chunk, csv.Next());
    if (chunk.empty()) break;
    file.bytes += chunk;
  }
  return file;
}

Result<SendOutcome> ReportSchedules::Send(const std::string& tenant_id, const ReportSchedule& s, mail::Mailer& mailer) {
  RAPPORT_ASSIGN_OR_RETURN(workspace::WorkspaceSettings calendar, settings_.Get(tenant_id));
  const Micros now = clock_.Now();
  const std::string today = FormatDate(LocalDays(now, calendar.time_zone).value_or(now / kMicrosPerDay));

  // A report: its totals and first groups, the whole report attached.
  auto report_content = [&](const security::Principal& p) -> Result<Content> {
    auto report = reports_.Get(p, s.report_id);
    if (!report) return Fail(Error(report.error().code(), Refusal(report.error(), "report")));
    auto result = engine_.Run(p, report->definition, {.for_export = true});
    if (!result) {
      if (result.error().code() == ErrorCode::kPermissionDenied) {
        return Fail(Error(ErrorCode::kPermissionDenied, fmt::format("may not export {}", report->definition.object)));
      }
      return Fail(result.error());
    }
    RAPPORT_ASSIGN_OR_RETURN(mail::Attachment file, File(p, report->definition, FileName(report->name, today, s.format), s.format,
                                                                 &*result));
    Content c{.title = report->name};
    c.text = fmt::format("{}\n{}{}\n{}", report->name, report->description.empty() ? "" : report->description + "\n", today,
                         Summary(*result));
    c.files.push_back(std::move(file));
    return c;
  };
  // A dashboard: each widget's figures under the dashboard's own filters, each
  // widget's report attached (those the recipient may export).
  auto dashboard_content = [&](const security::Principal& p) -> Result<Content> {
    auto run = dashboards_.Run(p, s.dashboard_id, std::nullopt);
    if (!run) return Fail(Error(run.error().code(), Refusal(run.error(), "dashboard")));
    Content c{.title = run->dashboard.name};
    c.text = run->dashboard.name + "\n" + today + "\n";
    if (run->period) c.text += fmt::format("Period: {} to {}\n", FormatDate(run->period->first), FormatDate(run->period->end - 1));
    for (const WidgetResult& w : run->widgets) {
      c.text += fmt::format("\n{}\n", w.widget.title);
      if (w.kpi) {
        c.text += KpiFiguresText(w.kpi->info->unit, w.kpi->value.figures);
        if (!w.kpi->previous.figures.empty()) {
          c.text += fmt::format(" (the period before: {})", KpiFiguresText(w.kpi->info->unit, w.kpi->previous.figures));
        }
        c.text += "\n";
        continue;
      }
      if (!w.result) {
        c.text += fmt::format("Not shown: {}\n", w.error ? w.error->detail() : "no result");
        continue;
      }
      c.text += Summary(*w.result);
      auto file = File(p, w.result->definition, FileName(w.widget.title, today, s.format), s.format);
      if (file) c.files.push_back(std::move(*file));
      else c.text += fmt::format("Not attached: {}\n", file.error().detail());
    }
    return c;
  };

  SendOutcome outcome{.recipients = static_cast<int>(s.recipients.size())};
  std::vector<std::string> notes;
  for (const std::string& user_id : s.recipients) {
    auto user = records_.Get(security::Principal::System(tenant_id), "users", user_id, {});
    auto text_of = [&](std::string_view field) {
      const FieldValue* v = user ? user->Find(field) : nullptr;
      return v && std::holds_alternative<std::string>(*v) ? std::get<std::string>(*v) : std::string();
    };
    const FieldValue* active = user ? user->Find("active") : nullptr;
    const std::string name = text_of("name").empty() ? user_id : text_of("name");
    if (!user || (active && std::holds_alternative<bool>(*active) && !std::get<bool>(*active))) {
      notes.push_back(fmt::format("{}: no longer an active user", name));
      continue;
    }
    // As the recipient: what they may open and export, nothing more.
    const security::Principal recipient{tenant_id, user_id, text_of("role") == "admin"};
    auto content = s.dashboard_id.empty() ? report_content(recipient) : dashboard_content(recipient);
    if (!content) {
      notes.push_back(fmt::format("{}: {}", name, content.error().detail()));
      continue;
    }
    mail::Message message{.to = {{text_of("email"), name}}, .subject = fmt::format("{} — {}", content->title, today)};
    std::string text = std::move(content->text);
    size_t size = 0;
    for (auto& file : content->files) {
      size += file.bytes.size();
      if (size > kMaxAttachment) {
        text += fmt::format("\n{} is too large to attach: open it in Rapport.\n", file.filename);
        continue;
      }
      text += fmt::format("\nAttached: {}", file.filename);
      message.attachments.push_back(std::move(file));
    }
    text += fmt::format("\n\nScheduled {}. It shows what you may see in Rapport.\n", Describe(s));
    message.text = std::move(text);
    auto sent = mailer.Send(message);
    if (!sent) {
      notes.push_back(fmt::format("{}: {}", name, sent.error().detail()));
      continue;
    }
    ++outcome.sent;
  }
  outcome.status = fmt::format("Sent to {} of {} recipient{}.", outcome.sent, outcome.recipients,
                               outcome.recipients == 1 ? "" : "s");
  for (size_t i = 0; i < notes.size(); ++i) outcome.status += (i == 0 ? " " : "; ") + notes[i];
  if (!notes.empty()) outcome.status += ".";
  return outcome;
}

Status ReportSchedules::Record(const std::string& tenant_id, const std::string& id, const SendOutcome& outcome) {
  return db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {FormatDatetime(clock_.Now()), outcome.status, tenant_id, id};
    RAPPORT_TRY(c.Execute("UPDATE report_schedules SET last_run_at = ?, last_status = ? WHERE tenant_id = ? AND id = ?",
                          params));
    return Ok();
  });
}

Result<SendOutcome> ReportSchedules::SendNow(const security::Principal& p, const std::string& id, mail::Mailer& mailer) {
  if (p.read_only) return Fail(ErrorCode::kPermissionDenied, "A read-only token cannot send reports.");
  RAPPORT_ASSIGN_OR_RETURN(ReportSchedule s, Get(p, id));
  RAPPORT_ASSIGN_OR_RETURN(SendOutcome outcome, Send(p.tenant_id, s, mailer));
  RAPPORT_TRY(Record(p.tenant_id, id, outcome));
  return outcome;
}

Result<int> ReportSchedules::RunDue(mail::Mailer& mailer) {
  const Micros now = clock_.Now();
  return internal::RunDueJobs(
      db_, "report_schedules", kColumns, now, FromRow,
      [&](const std::string& tenant_id, const ReportSchedule& s) -> Result<std::optional<Micros>> {
        RAPPORT_ASSIGN_OR_RETURN(workspace::WorkspaceSettings calendar, settings_.Get(tenant_id));
        return NextRun(s, now, calendar.time_zone);
      },
      [&](const std::string& tenant_id, const ReportSchedule& s) -> Status {
        RAPPORT_ASSIGN_OR_RETURN(SendOutcome outcome, Send(tenant_id, s, mailer));
        return Record(tenant_id, s.id, outcome);
      },
      "version = version + 1");
}

}  // namespace rapport::reports
