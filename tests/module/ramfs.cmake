# ramfs (ramfs helper): ramfs_test links the module's own sources directly -- everything
# but the module entry points, which need the kernel's C API under C names -- and drives
# them through the kernel's module-filesystem adapter and a VFS, as the kernel would.
set(ramfs_dir ${PROJECT_SOURCE_DIR}/modules/ramfs)
target_sources(ramfs_test PRIVATE
  ${ramfs_dir}/directory_entries.cc
  ${ramfs_dir}/file_data.cc
  ${ramfs_dir}/inode_table.cc
  ${ramfs_dir}/ram_memory.cc
  ${ramfs_dir}/ramfs.cc
  ${ramfs_dir}/ramfs_operations.cc
  ${CMAKE_CURRENT_SOURCE_DIR}/ramfs_test_filesystem.cc)
target_include_directories(ramfs_test PRIVATE ${ramfs_dir})

# ramfs_module_test loads the real modules/ramfs.so. modules/ may be added after tests/,
# so the link to its target is made once every directory has been read; without the
# module in the build, the test skips and says so.
if(TARGET ramfs_module_test)
  function(tessera_ramfs_module_test_dependency)
    if(TARGET ramfs_module)
      add_dependencies(ramfs_module_test ramfs_module)
      target_compile_definitions(ramfs_module_test PRIVATE TESSERA_RAMFS_MODULE="$<TARGET_FILE:ramfs_module>")
    endif()
  endfunction()
  cmake_language(DEFER DIRECTORY ${CMAKE_SOURCE_DIR} CALL tessera_ramfs_module_test_dependency)
endif()
