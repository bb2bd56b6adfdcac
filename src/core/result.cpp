#include "core/result.hpp"

#include <stdexcept>

namespace parley {

namespace {
class ErrorException : public std::runtime_error {
 public:
  explicit ErrorException(const Error& e) : std::runtime_error(std::string(e.code)) {}
};
}  // namespace

void throw_exception_from_error(const Error& e, const boost::source_location&) {
  throw ErrorException(e);
}

}  // namespace parley
