// JSON at the HTTP edge: records and metadata out, client input in. The engine never
// sees Boost.JSON; these functions translate.
#pragma once

#include <boost/json/value.hpp>

#include "core/error.h"
#include "metadata/object_def.h"
#include "records/record.h"
#include "records/value.h"
#include "security/access.h"

namespace rapport::http::api {

boost::json::object RecordToJson(const records::Record& record);
boost::json::value FieldValueToJson(const records::FieldValue& value);
boost::json::object FieldToJson(const metadata::FieldDef& field);
boost::json::object ObjectToJson(const metadata::ObjectDef& object);
// {"create": "all", "read": "own", "edit": ..., "delete": ..., "export": true}
boost::json::object PermissionsToJson(const security::ObjectPermissions& permissions);

records::InputValue ToInput(const boost::json::value& value);
// The members of a JSON object as record input; kInvalidArgument if `value` is not an
// object. Keys listed in `skip` are left out (e.g. "id" and "version" in a batch item).
Result<records::InputObject> ToInputObject(const boost::json::value& value,
                                           std::initializer_list<std::string_view> skip = {});

}  // namespace rapport::http::api
