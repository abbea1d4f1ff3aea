// The scheduled jobs of reports over REST (docs/reports.md): a saved report mailed to
// users of the workspace on a schedule (reports::ReportSchedules), and the daily
// snapshots of records that historical trends are reported from
// (reports::RecordSnapshots). Thin: parse, call.
#include <fmt/format.h>

#include "http/api/api.h"
#include "http/api/handlers.h"

namespace rapport::http::api {

namespace {

namespace json = boost::json;
using security::Principal;

Result<json::object> ScheduleBody(const Request& req) {
  return BodyObject(req, {"report_id", "dashboard_id", "format", "recipients", "frequency", "hour", "weekday", "day_of_month", "active"});
}

Result<std::optional<int>> OptionalInt(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  if (it == o.end() || it->value().is_null()) return std::nullopt;
  if (!it->value().is_int64()) return Fail(InvalidField(std::string(key), "A whole number.", "invalid_type"));
  return static_cast<int>(std::clamp<int64_t>(it->value().get_int64(), -1, 1000));
}

Result<reports::ScheduleChanges> ParseChanges(const json::object& o) {
  reports::ScheduleChanges changes;
  RAPPORT_ASSIGN_OR_RETURN(changes.report_id, StringIfPresent(o, "report_id"));
  RAPPORT_ASSIGN_OR_RETURN(changes.dashboard_id, StringIfPresent(o, "dashboard_id"));
  RAPPORT_ASSIGN_OR_RETURN(changes.format, StringIfPresent(o, "format"));
  RAPPORT_ASSIGN_OR_RETURN(changes.recipients, OptionalStringArray(o, "recipients", "Expected an array of user ids."));
  RAPPORT_ASSIGN_OR_RETURN(std::optional<std::string> frequency, StringIfPresent(o, "frequency"));
  if (frequency) {
    changes.frequency = reports::ParseFrequency(*frequency);
    if (!changes.frequency) return Fail(InvalidField("frequency", "daily, weekly or monthly."));
  }
  RAPPORT_ASSIGN_OR_RETURN(changes.hour, OptionalInt(o, "hour"));
  RAPPORT_ASSIGN_OR_RETURN(changes.weekday, OptionalInt(o, "weekday"));
  RAPPORT_ASSIGN_OR_RETURN(changes.day_of_month, OptionalInt(o, "day_of_month"));
  RAPPORT_ASSIGN_OR_RETURN(changes.active, OptionalBool(o, "active"));
  return changes;
}

json::object ScheduleJson(const reports::ReportSchedule& s) {
  json::array recipients;
  for (const auto& r : s.recipients) recipients.emplace_back(r);
  auto time = [](const std::string& t) { return t.empty() ? json::value(nullptr) : json::value(t); };
  return {{"id", s.id},
          {"report_id", s.report_id.empty() ? json::value(nullptr) : json::value(s.report_id)},
          {"dashboard_id", s.dashboard_id.empty() ? json::value(nullptr) : json::value(s.dashboard_id)},
          {"format", s.format},
          {"recipients", std::move(recipients)},
          {"frequency", reports::FrequencyName(s.frequency)},
          {"hour", s.hour},
          {"weekday", s.weekday},
          {"day_of_month", s.day_of_month},
          {"active", s.active},
          {"owner_id", s.owner_id},
          {"next_run_at", time(s.next_run_at)},
          {"last_run_at", time(s.last_run_at)},
          {"last_status", s.last_status},
          {"created_at", s.created_at},
          {"updated_at", s.updated_at}};
}

Result<json::object> SnapshotBody(const Request& req) {
  return BodyObject(req, {"name", "object", "filter", "fields", "target", "hour", "active"});
}

json::object SnapshotJson(const reports::SnapshotDefinition& d) {
  json::array fields;
  for (const auto& f : d.fields) fields.emplace_back(f);
  auto time = [](const std::string& t) { return t.empty() ? json::value(nullptr) : json::value(t); };
  return {{"id", d.id},
          {"name", d.name},
          {"object", d.source},
          {"filter", d.filter},
          {"fields", std::move(fields)},
          {"target", d.target},
          {"hour", d.hour},
          {"active", d.active},
          {"owner_id", d.owner_id},
          {"next_run_at", time(d.next_run_at)},
          {"last_run_at", time(d.last_run_at)},
          {"last_status", d.last_status},
          {"last_rows", d.last_rows},
          {"created_at", d.created_at},
          {"updated_at", d.updated_at}};
}

Result<reports::SnapshotChanges> ParseSnapshotChanges(const json::object& o) {
  reports::SnapshotChanges changes;
  RAPPORT_ASSIGN_OR_RETURN(changes.name, StringIfPresent(o, "name"));
  RAPPORT_ASSIGN_OR_RETURN(changes.filter, StringIfPresent(o, "filter"));
  RAPPORT_ASSIGN_OR_RETURN(changes.hour, OptionalInt(o, "hour"));
  RAPPORT_ASSIGN_OR_RETURN(changes.active, OptionalBool(o, "active"));
  return changes;
}

}  // namespace

void AddSnapshotRoutes(Router& router, const ApiServices& services) {
  reports::RecordSnapshots& snapshots = services.snapshots;
  router.Add("GET", "/api/v1/snapshots", "", Authed(services, [&snapshots](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto list, snapshots.List(p));
    json::array data;
    for (const auto& d : list) data.push_back(SnapshotJson(d));
    return JsonReply(200, json::object{{"data", std::move(data)}});
  }));
  router.Add("POST", "/api/v1/snapshots", "", Authed(services, [&snapshots](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, SnapshotBody(req));
    RAPPORT_ASSIGN_OR_RETURN(reports::SnapshotChanges c, ParseSnapshotChanges(o));
    reports::SnapshotDefinition d;
    d.name = c.name.value_or("");
    RAPPORT_ASSIGN_OR_RETURN(d.source, RequiredString(o, "object"));
    d.filter = c.filter.value_or("");
    RAPPORT_ASSIGN_OR_RETURN(auto fields, OptionalStringArray(o, "fields", "Expected an array of field names."));
    if (!fields) return Fail(InvalidField("fields", "Name the fields to copy.", "required"));
    d.fields = std::move(*fields);
    RAPPORT_ASSIGN_OR_RETURN(auto target, StringIfPresent(o, "target"));
    d.target = target.value_or("");
    if (c.hour) d.hour = *c.hour;
    if (c.active) d.active = *c.active;
    RAPPORT_ASSIGN_OR_RETURN(d, snapshots.Create(p, std::move(d)));
    Response r = JsonReply(201, SnapshotJson(d));
    r.headers.emplace_back("Location", "/api/v1/snapshots/" + d.id);
    return r;
  }));
  router.Add("GET", "/api/v1/snapshots/{id}", "", Authed(services, [&snapshots](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto d, snapshots.Get(p, std::string(req.Param("id"))));
    return JsonReply(200, SnapshotJson(d));
  }));
  router.Add("PATCH", "/api/v1/snapshots/{id}", "", Authed(services, [&snapshots](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, SnapshotBody(req));
    for (std::string_view fixed : {"object", "fields", "target"}) {
      if (o.contains(fixed)) {
        return Fail(InvalidField(std::string(fixed), "Fixed when the snapshot was created: it is the shape of its object."));
      }
    }
    RAPPORT_ASSIGN_OR_RETURN(reports::SnapshotChanges c, ParseSnapshotChanges(o));
    RAPPORT_ASSIGN_OR_RETURN(auto d, snapshots.Update(p, std::string(req.Param("id")), c));
    return JsonReply(200, SnapshotJson(d));
  }));
  router.Add("DELETE", "/api/v1/snapshots/{id}", "", Authed(services, [&snapshots](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_TRY(snapshots.Delete(p, std::string(req.Param("id"))));
    return Response::NoContent();
  }));
  // Takes today's snapshot now (again, if it was taken: brought up to date, not doubled).
  router.Add("POST", "/api/v1/snapshots/{id}/run", "", Authed(services, [&snapshots](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto run, snapshots.RunNow(p, std::string(req.Param("id"))));
    return JsonReply(200, json::object{{"date", run.date}, {"rows", run.rows}});
  }));
}

void AddScheduleRoutes(Router& router, const ApiServices& services) {
  reports::ReportSchedules& schedules = services.schedules;
  mail::Mailer* mailer = services.mailer;
  router.Add("GET", "/api/v1/schedules", "", Authed(services, [&schedules, mailer](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto list, schedules.List(p));
    json::array data;
    for (const auto& s : list) data.push_back(ScheduleJson(s));
    // Whether this server mails them at all (started with --smtp-url).
    return JsonReply(200, json::object{{"data", std::move(data)}, {"mail_configured", mailer != nullptr}});
  }));
  router.Add("POST", "/api/v1/schedules", "", Authed(services, [&schedules](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, ScheduleBody(req));
    RAPPORT_ASSIGN_OR_RETURN(reports::ScheduleChanges c, ParseChanges(o));
    reports::ReportSchedule s;
    s.report_id = c.report_id.value_or("");
    s.dashboard_id = c.dashboard_id.value_or("");
    if (c.format) s.format = *c.format;
    s.recipients = c.recipients.value_or(std::vector<std::string>{p.user_id});
    if (c.frequency) s.frequency = *c.frequency;
    if (c.hour) s.hour = *c.hour;
    if (c.weekday) s.weekday = *c.weekday;
    if (c.day_of_month) s.day_of_month = *c.day_of_month;
    if (c.active) s.active = *c.active;
    RAPPORT_ASSIGN_OR_RETURN(s, schedules.Create(p, std::move(s)));
    Response r = JsonReply(201, ScheduleJson(s));
    r.headers.emplace_back("Location", "/api/v1/schedules/" + s.id);
    return r;
  }));
  router.Add("GET", "/api/v1/schedules/{id}", "", Authed(services, [&schedules](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto s, schedules.Get(p, std::string(req.Param("id"))));
    return JsonReply(200, ScheduleJson(s));
  }));
  router.Add("PATCH", "/api/v1/schedules/{id}", "", Authed(services, [&schedules](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(json::object o, ScheduleBody(req));
    RAPPORT_ASSIGN_OR_RETURN(reports::ScheduleChanges c, ParseChanges(o));
    RAPPORT_ASSIGN_OR_RETURN(auto s, schedules.Update(p, std::string(req.Param("id")), c));
    return JsonReply(200, ScheduleJson(s));
  }));
  router.Add("DELETE", "/api/v1/schedules/{id}", "", Authed(services, [&schedules](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_TRY(schedules.Delete(p, std::string(req.Param("id"))));
    return Response::NoContent();
  }));
  // Mails the report now, as the schedule would (its next run stays as it is).
  router.Add("POST", "/api/v1/schedules/{id}/send", "", Authed(services, [&schedules, mailer](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    if (!mailer) {
      return Fail(ErrorCode::kUnavailable, "This server sends no mail: start it with --smtp-url (docs/reports.md).");
    }
    RAPPORT_ASSIGN_OR_RETURN(auto outcome, schedules.SendNow(p, std::string(req.Param("id")), *mailer));
    return JsonReply(200, json::object{{"sent", outcome.sent}, {"recipients", outcome.recipients}, {"status", outcome.status}});
  }));
}

}  // namespace rapport::http::api
