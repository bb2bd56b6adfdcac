# cmake -DOUTPUT=file.cpp -DINPUTS="a.sql;b.sql" -P embed_migrations.cmake
# Emits db::embedded_migrations() with every file's bytes, sorted by name.
list(SORT INPUTS)
set(arrays "")
set(entries "")
set(index 0)
foreach(input IN LISTS INPUTS)
  get_filename_component(name ${input} NAME)
  if(NOT name MATCHES "^([0-9]+)_.*\\.sql$")
    message(FATAL_ERROR "migration file name must start with a version number: ${name}")
  endif()
  string(REGEX REPLACE "^0+([0-9])" "\\1" version "${CMAKE_MATCH_1}")
  file(READ ${input} content HEX)
  string(LENGTH "${content}" hex_len)
  math(EXPR size "${hex_len} / 2")
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
  string(APPEND arrays "constexpr char k${index}[] = {${bytes} 0};\n")
  string(APPEND entries "    Migration{${version}, \"${name}\", std::string_view(k${index}, ${size})},\n")
  math(EXPR index "${index} + 1")
endforeach()
file(WRITE ${OUTPUT}.tmp
  "// Generated from src/db/migrations/*.sql; do not edit.\n"
  "#include \"db/migrations.hpp\"\n"
  "namespace parley::db {\nnamespace {\n${arrays}const Migration kMigrations[] = {\n${entries}};\n}  // namespace\n"
  "std::span<const Migration> embedded_migrations() { return kMigrations; }\n"
  "}  // namespace parley::db\n")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
