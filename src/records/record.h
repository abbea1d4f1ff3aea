// A record as the engine returns it: system fields, then the object's fields by api
// name, in metadata order (only the requested ones when a list asked for `fields=`).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "metadata/snapshot.h"
#include "records/value.h"

namespace rapport::records {

struct Record {
  std::string object;
  std::string id;
  int64_t version = 0;
  std::vector<std::pair<std::string, FieldValue>> fields;  // includes id, version, ...
  // include=company embeds the related record under its relation name; a lookup to a
  // deleted or invisible record embeds nothing (the id stays in the lookup field).
  std::map<std::string, Record> included;

  const FieldValue* Find(std::string_view name) const {
    for (const auto& [k, v] : fields) {
      if (k == name) return &v;
    }
    return nullptr;
  }
};

struct HistoryEntry {
  std::string id;
  std::string field;  // "" for whole-record events
  std::string change;  // "created", "updated", "deleted", "restored"
  std::string old_value;
  std::string new_value;
  bool old_is_null = true;
  bool new_is_null = true;
  std::string changed_by;
  std::string changed_at;
};

}  // namespace rapport::records
