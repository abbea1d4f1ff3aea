// Saved views: a named filter, sort and column choice for one object's list, kept per
// user and optionally shared with the whole workspace. A view is checked, when saved,
// by running it once through the record engine as its author (so an unknown field, a
// bad expression or an object the author cannot read is refused with the engine's own
// error); opening a view later runs it as the viewer, under the viewer's permissions.
//
// Who may do what: anyone may list their own views and the shared ones of objects
// whose records they may read (roles and token limits), and save views of those; only the author changes or
// deletes a view (administrators also shared ones). Read-only and object-limited API
// tokens cannot change views.
#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "records/record_service.h"
#include "security/principal.h"
#include "storage/database.h"

namespace rapport::views {

struct SavedView {
  std::string id;
  std::string object;
  std::string name;
  std::string filter;                // expression language; empty: every record
  std::string sort;                  // "-amount,name"; empty: the default order
  std::vector<std::string> columns;  // field names in order; empty: the app's default
  bool shared = false;
  std::string owner_id;
  std::string created_at;
  std::string updated_at;
};

// What a PATCH may change; unset members stay as they are.
struct SavedViewChanges {
  std::optional<std::string> name;
  std::optional<std::string> filter;
  std::optional<std::string> sort;
  std::optional<std::vector<std::string>> columns;
  std::optional<bool> shared;
};

class SavedViews {
 public:
  SavedViews(storage::Database& db, records::RecordService& records, const Clock& clock = SystemClock::Instance());

  // The caller's views of `object` and the views others shared, by name.
  Result<std::vector<SavedView>> List(const security::Principal& principal, const std::string& object);
  Result<SavedView> Get(const security::Principal& principal, const std::string& id);
  // `view.id`, owner and times are set here.
  Result<SavedView> Create(const security::Principal& principal, SavedView view);
  Result<SavedView> Update(const security::Principal& principal, const std::string& id, const SavedViewChanges& changes);
  Status Delete(const security::Principal& principal, const std::string& id);

 private:
  Status Check(const security::Principal& principal, const SavedView& view);
  // The caller's view or a shared one, whatever the object's permissions.
  Result<SavedView> Find(const security::Principal& principal, const std::string& id);
  // Ok when the principal may read some records of `object`, else `otherwise`.
  Status CheckCanRead(const security::Principal& principal, const std::string& object, Error otherwise);
  Status CheckCanChange(const security::Principal& principal, const SavedView& view);

  storage::Database& db_;
  records::RecordService& records_;
  const Clock& clock_;
};

}  // namespace rapport::views
