// Sales: leads, opportunities (with pipeline and stage) and products, as standard
// objects registered as data.
#pragma once

#include "records/module_registry.h"

namespace rapport::domain::sales {

void Register(records::ModuleRegistry& registry);

}  // namespace rapport::domain::sales
