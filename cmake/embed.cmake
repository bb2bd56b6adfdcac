# cmake -DINPUT=file -DOUTPUT=file.cpp -DNAMESPACE=ns -DFUNCTION=name -P embed.cmake
# Emits a function returning the file's contents as a std::string_view.
file(READ ${INPUT} content HEX)
string(LENGTH "${content}" hex_len)
math(EXPR size "${hex_len} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "'\\\\x\\1'," bytes "${content}")
file(WRITE ${OUTPUT} "// Generated from ${INPUT}; do not edit.\n#include <string_view>\nnamespace ${NAMESPACE} {\nnamespace { constexpr char kData[] = {${bytes} 0}; }\nstd::string_view ${FUNCTION}() { return std::string_view(kData, ${size}); }\n}\n")
