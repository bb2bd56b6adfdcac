#pragma once
// The configuration a process runs with, for the audit trail's
// config.loaded event at start-up: every setting that changes behaviour,
// with secrets reduced to "[redacted]" (set) or null (unset) and the
// database URL to its non-secret parts. Pure.

#include <boost/json/object.hpp>
#include <string_view>

#include "config/config.hpp"

namespace parley::app {

boost::json::object config_summary(const config::Config& config, std::string_view version,
                                   std::string_view instance_id);

}  // namespace parley::app
