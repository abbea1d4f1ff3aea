// The OpenAPI 3.1 document for one tenant, generated from its live metadata so a
// generated client knows about custom objects and fields too.
#pragma once

#include <boost/json/value.hpp>

#include "metadata/snapshot.h"

namespace rapport::http::api {

boost::json::value OpenApiDocument(const metadata::MetadataSnapshot& snapshot);

}  // namespace rapport::http::api
