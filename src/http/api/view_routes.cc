// Saved list views over REST (docs/api.md, "Saved views"). Thin: parse, call
// views::SavedViews (which checks a view by running it through the record engine).
#include <fmt/format.h>

#include "http/api/api.h"
#include "http/api/handlers.h"

namespace rapport::http::api {

namespace {

namespace json = boost::json;
using security::Principal;

json::object ViewToJson(const views::SavedView& v) {
  json::array columns;
  for (const auto& c : v.columns) columns.emplace_back(c);
  return json::object{{"id", v.id},         {"object", v.object},         {"name", v.name},
                      {"filter", v.filter}, {"sort", v.sort},             {"columns", std::move(columns)},
                      {"shared", v.shared}, {"owner_id", v.owner_id},     {"created_at", v.created_at},
                      {"updated_at", v.updated_at}};
}

Result<views::SavedViewChanges> ParseChanges(const json::object& o) {
  views::SavedViewChanges changes;
  RAPPORT_ASSIGN_OR_RETURN(changes.name, StringIfPresent(o, "name"));
  RAPPORT_ASSIGN_OR_RETURN(changes.filter, StringIfPresent(o, "filter"));
  RAPPORT_ASSIGN_OR_RETURN(changes.sort, StringIfPresent(o, "sort"));
  RAPPORT_ASSIGN_OR_RETURN(changes.columns, OptionalStringArray(o, "columns", "Expected an array of field names."));
  RAPPORT_ASSIGN_OR_RETURN(changes.shared, OptionalBool(o, "shared"));
  return changes;
}

}  // namespace

void AddViewRoutes(Router& router, const ApiServices& services) {
  views::SavedViews& views = services.views;
  router.Add("GET", "/api/v1/views", "", Authed(services, [&views](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {"object"}));
    auto object = req.QueryParam("object");
    if (!object || object->empty()) {
      return Fail(Error(ErrorCode::kInvalidArgument, "`object` is required: the views of which list?")
                      .WithField("object", "required", "An object's api name."));
    }
    RAPPORT_ASSIGN_OR_RETURN(auto list, views.List(p, std::string(*object)));
    json::array data;
    for (const auto& v : list) data.push_back(ViewToJson(v));
    return JsonReply(200, json::object{{"data", std::move(data)}});
  }));
  router.Add("POST", "/api/v1/views", "", Authed(services, [&views](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"object", "name", "filter", "sort", "columns", "shared"}));
    RAPPORT_ASSIGN_OR_RETURN(std::string object, RequiredString(o, "object"));
    RAPPORT_ASSIGN_OR_RETURN(auto changes, ParseChanges(o));
    views::SavedView view{.object = std::move(object),
                          .name = changes.name.value_or(""),
                          .filter = changes.filter.value_or(""),
                          .sort = changes.sort.value_or(""),
                          .columns = changes.columns.value_or(std::vector<std::string>{}),
                          .shared = changes.shared.value_or(false)};
    RAPPORT_ASSIGN_OR_RETURN(view, views.Create(p, std::move(view)));
    Response r = JsonReply(201, ViewToJson(view));
    r.headers.emplace_back("Location", "/api/v1/views/" + view.id);
    return r;
  }));
  router.Add("GET", "/api/v1/views/{id}", "", Authed(services, [&views](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_ASSIGN_OR_RETURN(auto view, views.Get(p, std::string(req.Param("id"))));
    return JsonReply(200, ViewToJson(view));
  }));
  router.Add("PATCH", "/api/v1/views/{id}", "", Authed(services, [&views](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_ASSIGN_OR_RETURN(json::object o, BodyObject(req, {"name", "filter", "sort", "columns", "shared"}));
    RAPPORT_ASSIGN_OR_RETURN(auto changes, ParseChanges(o));
    RAPPORT_ASSIGN_OR_RETURN(auto view, views.Update(p, std::string(req.Param("id")), changes));
    return JsonReply(200, ViewToJson(view));
  }));
  router.Add("DELETE", "/api/v1/views/{id}", "", Authed(services, [&views](Request& req, const Principal& p) -> Result<Response> {
    RAPPORT_TRY(CheckQueryParams(req, {}));
    RAPPORT_TRY(views.Delete(p, std::string(req.Param("id"))));
    return Response::NoContent();
  }));
}

}  // namespace rapport::http::api
