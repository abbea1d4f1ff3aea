#include "metadata/snapshot.h"

#include <set>

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

std::vector<const ObjectDef*> TargetsFirst(const std::vector<ObjectDef>& objects) {
  std::vector<const ObjectDef*> order;
  std::set<std::string> placed, visiting;
  auto visit = [&](auto& self, const ObjectDef& object) -> void {
    if (placed.contains(object.name) || !visiting.insert(object.name).second) return;
    for (const FieldDef& f : object.fields) {
      if (f.type != FieldType::kLookup || f.target == object.name) continue;
      for (const ObjectDef& target : objects) {
        if (target.name == f.target) self(self, target);
      }
    }
    visiting.erase(object.name);
    placed.insert(object.name);
    order.push_back(&object);
  };
  for (const ObjectDef& object : objects) visit(visit, object);
  return order;
}

}  // namespace rapport::metadata
