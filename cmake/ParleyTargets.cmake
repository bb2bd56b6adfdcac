# Helpers that give every Parley target the same warnings and layout.

set(PARLEY_WARNINGS -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wold-style-cast
    -Wcast-align -Woverloaded-virtual -Wimplicit-fallthrough)

# GCC 12 at -O2/-O3 reports -Wrestrict false positives inside libstdc++'s
# std::string (GCC bug 105329); they are not ours to fix. (The release
# preset also builds without -Werror: GCC 12's -O3 flow warnings have more
# such false positives; warnings are errors in the debug/asan test build.)
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
  list(APPEND PARLEY_WARNINGS -Wno-restrict)
endif()

function(parley_warnings target)
  target_compile_options(${target} PRIVATE ${PARLEY_WARNINGS})
  if(PARLEY_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

# parley_library(name SOURCES ... DEPS ...): a static library whose public
# include root is src/ (so headers are included as "auth/jose.hpp").
function(parley_library name)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SOURCES})
  target_include_directories(${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(${name} PUBLIC ${ARG_DEPS})
  parley_warnings(${name})
endfunction()

# Targets that include Asio/Beast parse them once per target, not once per
# translation unit. (REUSE_FROM across targets breaks as soon as two targets
# differ in a definition, so each I/O target builds its own.)
function(parley_use_asio_pch target)
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    target_link_libraries(${target} PRIVATE parley_asio_pch)
  else()
    target_link_libraries(${target} PUBLIC parley_asio_pch)
  endif()
  target_precompile_headers(${target} PRIVATE
    <boost/asio.hpp> <boost/asio/ssl.hpp> <boost/beast/core.hpp> <boost/beast/http.hpp>
    <boost/json.hpp> <string> <vector> <memory> <chrono>)
endfunction()

# parley_test(name SOURCES ... DEPS ... LABELS ...): a GoogleTest executable
# whose tests are registered with CTest one by one.
function(parley_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES})
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR}/tests ${PROJECT_SOURCE_DIR}/src)
  parley_warnings(${name})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  if(NOT ARG_LABELS)
    set(ARG_LABELS unit)
  endif()
  set(test_env "PARLEY_SOURCE_DIR=${PROJECT_SOURCE_DIR};PARLEY_BINARY_DIR=${PROJECT_BINARY_DIR}")
  if("unit" IN_LIST ARG_LABELS)
    # Unit tests are cheap to start: one CTest entry per TEST for precise reports.
    gtest_discover_tests(${name} DISCOVERY_TIMEOUT 60
      PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT} ENVIRONMENT "${test_env}")
  else()
    # Tests that start PostgreSQL or servers share them within one process:
    # one CTest entry per executable, so each fixture starts once.
    add_test(NAME ${name} COMMAND ${name} --gtest_color=no)
    set_tests_properties(${name} PROPERTIES LABELS "${ARG_LABELS}" TIMEOUT ${ARG_TIMEOUT}
      ENVIRONMENT "${test_env}")
  endif()
endfunction()

# parley_check_pure(target): a CTest that fails when a source of `target`, or
# a project header it includes, includes Asio or Beast (pure protocol targets
# must not be able to do I/O by accident). A listed source that does not
# exist fails the configuration.
function(parley_check_pure target)
  get_target_property(sources ${target} SOURCES)
  get_target_property(dir ${target} SOURCE_DIR)
  set(files "")
  foreach(s IN LISTS sources)
    if(NOT IS_ABSOLUTE "${s}")
      set(s "${dir}/${s}")
    endif()
    if(NOT EXISTS "${s}")
      message(FATAL_ERROR "${target}: source ${s} does not exist")
    endif()
    list(APPEND files "${s}")
  endforeach()
  add_test(NAME purity_${target}
           COMMAND ${CMAKE_COMMAND} -DROOT=${PROJECT_SOURCE_DIR}/src -DTARGET=${target}
                   "-DFILES=${files}" -P ${PROJECT_SOURCE_DIR}/cmake/check_proto_sources.cmake)
  set_tests_properties(purity_${target} PROPERTIES LABELS unit)
endfunction()
