# `cmake --install` puts the headers under include/orgledger/, the static
# libraries under lib/, and a package config exporting orgledger::orgledger
# (and one target per folder: orgledger::base, ::domain, ::codec,
# ::eventstore, ::postgres, ::projections, ::commands).
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

add_library(orgledger_library INTERFACE)
target_link_libraries(orgledger_library INTERFACE orgledger::commands)

set(orgledger_installed
  orgledger_base orgledger_domain orgledger_codec orgledger_eventstore
  orgledger_postgres orgledger_privacy orgledger_projections orgledger_commands
  orgledger_library orgledger_warnings)
foreach(t base domain codec eventstore postgres privacy projections commands warnings)
  set_target_properties(orgledger_${t} PROPERTIES EXPORT_NAME ${t})
endforeach()
set_target_properties(orgledger_library PROPERTIES EXPORT_NAME orgledger)

install(TARGETS ${orgledger_installed} EXPORT orgledgerTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(DIRECTORY base domain eventstore privacy projections commands
  DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/orgledger
  FILES_MATCHING PATTERN "*.h")
install(EXPORT orgledgerTargets NAMESPACE orgledger::
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/orgledger)

configure_package_config_file(cmake/orgledgerConfig.cmake.in
  ${CMAKE_BINARY_DIR}/orgledgerConfig.cmake
  INSTALL_DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/orgledger)
write_basic_package_version_file(${CMAKE_BINARY_DIR}/orgledgerConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${CMAKE_BINARY_DIR}/orgledgerConfig.cmake
  ${CMAKE_BINARY_DIR}/orgledgerConfigVersion.cmake
  DESTINATION ${CMAKE_INSTALL_LIBDIR}/cmake/orgledger)
