#pragma once
// The built web UI (web/ -> vite build), embedded into the binary at build
// time by cmake/embed_web.cmake: no Node and no files at run time.
//
// Layout: /index.html (served for the signed-in page routes, never cached)
// and /static/<name>-<hash>.<ext> bundles (content-hashed names, cached for
// a year as immutable). /assets/ stays the server's own (parley.css for the
// server-rendered public pages), so the two never clash.

#include <optional>
#include <span>
#include <string_view>

namespace parley::app {

struct Asset {
  std::string_view path;          // "/index.html", "/static/index-BiTkfY-e.js"
  std::string_view content_type;  // with charset for text types
  std::string_view data;
  bool hashed;                    // the name changes when the content does
};

// Every embedded file (generated web_assets.cpp).
std::span<const Asset> web_assets();

// The file at `path` (URL path, leading slash), or nullopt.
std::optional<Asset> find_asset(std::string_view path);

// "public, max-age=31536000, immutable" for hashed files, "no-cache" otherwise.
std::string_view cache_control(const Asset& asset);

// The SPA shell; always present (a placeholder when built with PARLEY_WEB=OFF).
Asset index_html();

}  // namespace parley::app
