#include "views/saved_views.h"

#include <algorithm>
#include <cctype>

#include <fmt/format.h>

#include "core/id.h"
#include "core/strings.h"
#include "storage/owned_rows.h"

namespace rapport::views {

namespace {

using storage::Connection;
using storage::IntOf;
using storage::TextOf;
using storage::Value;

constexpr size_t kMaxName = 100;
constexpr size_t kMaxFilter = 4000;
constexpr size_t kMaxColumns = 60;
constexpr std::string_view kColumns =
    "id, object_name, name, filter, sort, columns, shared, owner_id, created_at, updated_at";

Error NotFound(std::string_view id) { return Error(ErrorCode::kNotFound, fmt::format("No view with id `{}`.", id)); }

// An update or delete is authorised against the row as read; it then writes only if the
// row is still that one, so a concurrent change (an author un-sharing, say) is never
// overwritten by a change its new state would not allow.
Error Changed() {
  return Error(ErrorCode::kFailedPrecondition, "The view changed while you were saving; load it again and retry.");
}

std::string JoinColumns(const std::vector<std::string>& columns) {
  std::string out;
  for (const auto& c : columns) {
    if (!out.empty()) out += ',';
    out += c;
  }
  return out;
}


SavedView FromRow(const std::vector<Value>& row) {
  SavedView v;
  v.id = TextOf(row[0]);
  v.object = TextOf(row[1]);
  v.name = TextOf(row[2]);
  v.filter = TextOf(row[3]);
  v.sort = TextOf(row[4]);
  v.columns = SplitCommaList(TextOf(row[5]));
  v.shared = IntOf(row[6]) != 0;
  v.owner_id = TextOf(row[7]);
  v.created_at = TextOf(row[8]);
  v.updated_at = TextOf(row[9]);
  return v;
}

}  // namespace

SavedViews::SavedViews(storage::Database& db, records::RecordService& records, const Clock& clock)
    : db_(db), records_(records), clock_(clock) {}

Result<std::vector<SavedView>> SavedViews::List(const security::Principal& p, const std::string& object) {
  // Only objects the caller can read have views to list: a view's filter speaks of
  // the records, so it is as private as they are.
  RAPPORT_TRY(CheckCanRead(p, object, Error(ErrorCode::kNotFound, fmt::format("No object `{}`.", object))));
  return storage::SelectOwnedRows(
      db_, storage::OwnedRowsReader{p.tenant_id, p.user_id}, {.table = "saved_views", .columns = kColumns, .where = "object_name = ?", .params = {object}}, FromRow);
}

Result<SavedView> SavedViews::Get(const security::Principal& p, const std::string& id) {
  RAPPORT_ASSIGN_OR_RETURN(SavedView found, Find(p, id));
  // A shared view of an object the caller cannot read does not exist for them.
  RAPPORT_TRY(CheckCanRead(p, found.object, NotFound(id)));
  return found;
}

Result<SavedView> SavedViews::Find(const security::Principal& p, const std::string& id) {
  RAPPORT_ASSIGN_OR_RETURN(std::optional<SavedView> found,
                           storage::FindOwnedRow(db_, storage::OwnedRowsReader{p.tenant_id, p.user_id}, "saved_views", kColumns, id, FromRow));
  if (!found) return Fail(NotFound(id));
  return *found;
}

Status SavedViews::CheckCanRead(const security::Principal& p, const std::string& object, Error otherwise) {
  RAPPORT_ASSIGN_OR_RETURN(bool may, records_.MayReadSome(p, object));
  if (may) return Ok();
  return Fail(std::move(otherwise));
}

// The record engine itself says whether the object, the filter, the sort and the
// columns are valid for the view's author, checking the list as it would run it without
// reading a record (RecordService::CheckList).
Status SavedViews::Check(const security::Principal& p, const SavedView& view) {
  if (IsBlank(view.name) || view.name.size() > kMaxName) {
    return Fail(InvalidField("name", fmt::format("Give the view a name (at most {} characters).", kMaxName)));
  }
  if (view.filter.size() > kMaxFilter) {
    return Fail(InvalidField("filter", fmt::format("At most {} characters.", kMaxFilter)));
  }
  if (view.columns.size() > kMaxColumns) {
    return Fail(InvalidField("columns", fmt::format("At most {} columns.", kMaxColumns)));
  }
  records::ListQuery query{.object = view.object, .filter = view.filter, .sort = view.sort, .limit = 1};
  query.read.fields = view.columns;
  Status checked = records_.CheckList(p, query);
  if (checked) return Ok();
  const Error& error = checked.error();
  // The list speaks of `fields=`; a view calls them columns.
  std::vector<FieldError> fields = error.field_errors();
  for (auto& f : fields) {
    if (f.field == "fields") f.field = "columns";
  }
  return Fail(Error(error.code(), error.detail()).WithFieldErrors(std::move(fields)));
}

Status SavedViews::CheckCanChange(const security::Principal& p, const SavedView& view) {
  return security::CheckMayChangeOwned(p, view.owner_id, view.shared, "view");
}

Result<SavedView> SavedViews::Create(const security::Principal& p, SavedView view) {
  RAPPORT_TRY(security::CheckMayChangeSettings(p));
  RAPPORT_TRY(Check(p, view));
  view.id = NewId(clock_);
  view.owner_id = p.user_id;
  view.created_at = view.updated_at = FormatDatetime(clock_.Now());
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {p.tenant_id,          view.id,     view.object,  view.name,
                                 view.filter,          view.sort,   JoinColumns(view.columns),
                                 int64_t{view.shared}, view.owner_id, view.created_at, view.updated_at};
    RAPPORT_TRY(c.Execute("INSERT INTO saved_views (tenant_id, id, object_name, name, filter, sort, columns, "
                          "shared, owner_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                          params));
    return Ok();
  }));
  return view;
}

Result<SavedView> SavedViews::Update(const security::Principal& p, const std::string& id,
                                     const SavedViewChanges& changes) {
  RAPPORT_ASSIGN_OR_RETURN(SavedView view, Get(p, id));
  RAPPORT_TRY(CheckCanChange(p, view));
  const bool was_shared = view.shared;
  if (changes.name) view.name = *changes.name;
  if (changes.filter) view.filter = *changes.filter;
  if (changes.sort) view.sort = *changes.sort;
  if (changes.columns) view.columns = *changes.columns;
  if (changes.shared) view.shared = *changes.shared;
  RAPPORT_TRY(Check(p, view));
  const std::string read_at = view.updated_at;
  view.updated_at = FormatDatetime(clock_.Now());
  RAPPORT_TRY(db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {view.name,   view.filter, view.sort, JoinColumns(view.columns),
                                 int64_t{view.shared}, view.updated_at, p.tenant_id, view.id, read_at,
                                 int64_t{was_shared}};
    RAPPORT_ASSIGN_OR_RETURN(int64_t n, c.Execute("UPDATE saved_views SET name = ?, filter = ?, sort = ?, columns = ?, "
                                                  "shared = ?, updated_at = ? WHERE tenant_id = ? AND id = ? "
                                                  "AND updated_at = ? AND shared = ?",
                                                  params));
    if (n != 1) return Fail(Changed());
    return Ok();
  }));
  return view;
}

Status SavedViews::Delete(const security::Principal& p, const std::string& id) {
  // A view of an object since removed from the schema can still be deleted.
  RAPPORT_ASSIGN_OR_RETURN(SavedView view, Find(p, id));
  auto permissions = records_.Permissions(p, view.object);
  if (!permissions && permissions.error().code() != ErrorCode::kNotFound) return Fail(permissions.error());
  if (permissions && permissions->read == security::Scope::kNone) return Fail(NotFound(id));
  RAPPORT_TRY(CheckCanChange(p, view));
  return db_.Write([&](Connection& c) -> Status {
    std::vector<Value> params = {p.tenant_id, id, view.updated_at, int64_t{view.shared}};
    RAPPORT_ASSIGN_OR_RETURN(int64_t n, c.Execute("DELETE FROM saved_views WHERE tenant_id = ? AND id = ? "
                                                  "AND updated_at = ? AND shared = ?",
                                                  params));
    if (n != 1) return Fail(Changed());
    return Ok();
  });
}

}  // namespace rapport::views
