#include "domain/org/org_module.h"

#include "metadata/object_builder.h"

namespace rapport::domain::org {

using metadata::FieldType;
using metadata::ObjectBuilder;

void Register(records::ModuleRegistry& registry) {
  registry.AddObject(ObjectBuilder("users", "User", "Users")
                         .Title("name")
                         .Field("name", "Name", FieldType::kText, {.required = true})
                         .Field("email", "Email", FieldType::kEmail, {.required = true, .unique = true})
                         .Picklist("role", "Role", {"admin", "member"}, {.required = true})
                         .Field("active", "Active", FieldType::kBoolean)
                         .Field("job_title", "Job title", FieldType::kText)
                         .Lookup("team_id", "Team", "teams")
                         .Lookup("manager_id", "Manager", "users")
                         .Build());
  registry.AddObject(ObjectBuilder("teams", "Team", "Teams")
                         .Title("name")
                         .Field("name", "Name", FieldType::kText, {.required = true, .unique = true})
                         .Field("description", "Description", FieldType::kLongText)
                         .Build());
}

}  // namespace rapport::domain::org
