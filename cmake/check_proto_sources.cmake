# cmake -DROOT=<src dir> -DTARGET=<name> "-DFILES=a.cpp;b.cpp" -P check_proto_sources.cmake
#
# The pure *_proto targets must not reach Asio or Beast (no sockets, no
# timers, no I/O by accident): fails when one of their sources, or a project
# header they include (transitively, includes rooted at src/), includes a
# Boost.Asio or Boost.Beast header. One header is allowed: <boost/asio/awaitable.hpp>,
# the coroutine type that interfaces (a streaming response body, a store)
# return; it declares no socket, timer or executor service.
set(seen "")
set(bad "")

function(scan file chain)
  list(FIND seen "${file}" at)
  if(NOT at EQUAL -1)
    return()
  endif()
  list(APPEND seen "${file}")
  set(seen "${seen}" PARENT_SCOPE)
  if(NOT EXISTS "${file}")
    message(FATAL_ERROR "${TARGET}: ${file} does not exist")
  endif()
  file(STRINGS "${file}" lines REGEX "^[ \t]*#[ \t]*include")
  foreach(line IN LISTS lines)
    if(line MATCHES "<boost/asio/awaitable.hpp>")
      # allowed: see above
    elseif(line MATCHES "<boost/(asio|beast)[/.]")
      list(APPEND bad "${chain} -> ${line}")
      set(bad "${bad}" PARENT_SCOPE)
    elseif(line MATCHES "#[ \t]*include[ \t]*\"([^\"]+)\"")
      set(inc "${ROOT}/${CMAKE_MATCH_1}")
      if(EXISTS "${inc}")
        scan("${inc}" "${chain} -> ${CMAKE_MATCH_1}")
        set(bad "${bad}" PARENT_SCOPE)
        set(seen "${seen}" PARENT_SCOPE)
      endif()
    endif()
  endforeach()
endfunction()

foreach(f IN LISTS FILES)
  get_filename_component(name "${f}" NAME)
  scan("${f}" "${name}")
endforeach()

if(bad)
  list(JOIN bad "\n  " text)
  message(FATAL_ERROR "${TARGET} is a pure protocol target but reaches Asio/Beast:\n  ${text}")
endif()
list(LENGTH seen n)
message(STATUS "${TARGET}: ${n} files, none includes Asio or Beast")
