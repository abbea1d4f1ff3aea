// Customer data: companies, people and the activities (tasks, calls, meetings, notes,
// emails) around any record. Standard objects as data plus their write rules.
#pragma once

#include "records/module_registry.h"

namespace rapport::domain::customers {

void Register(records::ModuleRegistry& registry);

}  // namespace rapport::domain::customers
