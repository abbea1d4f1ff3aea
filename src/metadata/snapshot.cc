#include "metadata/snapshot.h"

#include <fmt/format.h>

#include "core/strings.h"

namespace rapport::metadata {

MetadataSnapshot::MetadataSnapshot(int64_t version, std::vector<ObjectDef> objects)
    : version_(version), objects_(std::move(objects)) {
  for (size_t i = 0; i < objects_.size(); ++i) by_name_.emplace(objects_[i].name, i);
}

const ObjectDef* MetadataSnapshot::FindObject(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : &objects_[it->second];
}

Result<const ObjectDef*> MetadataSnapshot::GetObject(std::string_view name) const {
  if (const ObjectDef* object = FindObject(name)) return object;
  std::vector<std::string> names;
  for (const auto& o : objects_) names.push_back(o.name);
  return Fail(ErrorCode::kNotFound,
              fmt::format("Unknown object `{}`.{}", name, DidYouMean(name, names)));
}

}  // namespace rapport::metadata
