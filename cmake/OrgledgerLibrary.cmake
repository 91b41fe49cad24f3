# orgledger_library(<name> SOURCES ... [PUBLIC ...] [PRIVATE ...])
#
# The one stanza of every folder's library: target orgledger_<name>, alias
# orgledger::<name>, headers included as "<folder>/<file>.h" from the
# repository root (and include/orgledger/ once installed), our warnings
# kept private.
function(orgledger_library name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "" "SOURCES;PUBLIC;PRIVATE")
  add_library(orgledger_${name} ${arg_SOURCES})
  add_library(orgledger::${name} ALIAS orgledger_${name})
  target_include_directories(orgledger_${name} PUBLIC
    $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}>
    $<INSTALL_INTERFACE:include/orgledger>)
  target_link_libraries(orgledger_${name}
    PUBLIC ${arg_PUBLIC}
    PRIVATE ${arg_PRIVATE} orgledger_warnings)
endfunction()
