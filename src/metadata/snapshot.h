// An immutable view of one tenant's objects and fields. A request takes one snapshot
// and uses it throughout, even if an admin changes the schema meanwhile.
// Safe to share between threads (const after construction).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "metadata/object_def.h"

namespace rapport::metadata {

class MetadataSnapshot {
 public:
  MetadataSnapshot(int64_t version, std::vector<ObjectDef> objects);

  int64_t version() const { return version_; }
  const std::vector<ObjectDef>& objects() const { return objects_; }
  const ObjectDef* FindObject(std::string_view name) const;
  // kNotFound with a "Did you mean" hint when the object is unknown.
  Result<const ObjectDef*> GetObject(std::string_view name) const;

 private:
  int64_t version_;
  std::vector<ObjectDef> objects_;
  std::map<std::string, size_t, std::less<>> by_name_;
};

using SnapshotPtr = std::shared_ptr<const MetadataSnapshot>;

// `objects` with every lookup target before the objects that look it up (otherwise in
// the given order): the order to create their tables and to load their rows. Objects
// on a lookup cycle (or looking themselves up) keep the given order.
std::vector<const ObjectDef*> TargetsFirst(const std::vector<ObjectDef>& objects);

}  // namespace rapport::metadata
