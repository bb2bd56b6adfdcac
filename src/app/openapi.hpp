#pragma once
#include <string_view>

namespace parley::app {
// api/openapi.json, embedded at build time.
std::string_view openapi_document();
}  // namespace parley::app
