// The organisation using Rapport: its users and teams, as standard objects.
#pragma once

#include "records/module_registry.h"

namespace rapport::domain::org {

void Register(records::ModuleRegistry& registry);

}  // namespace rapport::domain::org
