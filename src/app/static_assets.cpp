#include "app/static_assets.hpp"

namespace parley::app {

std::optional<Asset> find_asset(std::string_view path) {
  for (const Asset& a : web_assets()) {
    if (a.path == path) return a;
  }
  return std::nullopt;
}

std::string_view cache_control(const Asset& asset) {
  return asset.hashed ? "public, max-age=31536000, immutable" : "no-cache";
}

Asset index_html() {
  if (auto a = find_asset("/index.html")) return *a;
  return Asset{"/index.html", "text/html; charset=utf-8", "<!doctype html><title>Parley</title>",
               false};
}

}  // namespace parley::app
