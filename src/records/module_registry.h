// Domain modules (sales, service, marketing, ...) register standard objects as data
// and add rules the engine runs on every write, whoever the caller is. Filled once by
// app/ at start-up, read-only afterwards.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "metadata/object_def.h"
#include "records/value.h"

namespace rapport::records {

// The values a record will have after a write (current values merged with changes).
class RecordView {
 public:
  virtual ~RecordView() = default;
  virtual const FieldValue& Get(std::string_view field) const = 0;
};

// Returns the field errors it finds (empty when the record is fine).
using RecordValidator = std::function<std::vector<FieldError>(const RecordView&)>;

class ModuleRegistry {
 public:
  void AddObject(metadata::ObjectDef object) { objects_.push_back(std::move(object)); }
  void AddValidator(std::string object, RecordValidator validator) {
    validators_.push_back({std::move(object), std::move(validator)});
  }

  const std::vector<metadata::ObjectDef>& objects() const { return objects_; }
  std::vector<const RecordValidator*> ValidatorsFor(std::string_view object) const {
    std::vector<const RecordValidator*> out;
    for (const auto& [name, v] : validators_) {
      if (name == object) out.push_back(&v);
    }
    return out;
  }

 private:
  std::vector<metadata::ObjectDef> objects_;
  std::vector<std::pair<std::string, RecordValidator>> validators_;
};

}  // namespace rapport::records
