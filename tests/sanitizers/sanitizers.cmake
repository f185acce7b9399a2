# Test settings of the sanitizer builds (VITRINE_SANITIZE, tools/sanitize).
# Included at the end of tests/CMakeLists.txt, once every test exists.

# Under AddressSanitizer, the suites that render (label `display`) start
# with Mesa's GL driver preloaded, so that it stays loaded until they exit.
# Mesa unloads it in eglTerminate() (SDL_Quit, a test's GL teardown), and
# memory the driver allocated for itself in a pthread_once then looks
# leaked, from a library LeakSanitizer can no longer name, so no suppression
# can match it. Preloaded, the driver keeps that memory reachable. Their
# children inherit it: `vitrine run` and `tour` render too. The driver is
# not the first library loaded, hence verify_asan_link_order=0; it defines
# no allocator, so ASan's still serves every allocation.
if("address" IN_LIST VITRINE_SANITIZE)
  find_file(VITRINE_MESA_DRIVER swrast_dri.so
            PATHS /usr/lib/${CMAKE_LIBRARY_ARCHITECTURE}/dri /usr/lib/dri NO_DEFAULT_PATH)
  if(NOT VITRINE_MESA_DRIVER)
    message(FATAL_ERROR "VITRINE_SANITIZE=address: Mesa's swrast_dri.so not found (Debian package libgl1-mesa-dri)")
  endif()
endif()
# Under ThreadSanitizer the suites that render run alone. With a sanitized
# suite beside them on two cores, mpv's 1 s test films ended before a frame
# showed the second film's subtitle (2 runs in 4 with two busy loops), and
# once mpv_render_context_free waited forever on mpv's core thread, which
# spun; alone, both pass every time.
get_directory_property(vitrine_all_tests TESTS)
foreach(test ${vitrine_all_tests})
  get_test_property(${test} LABELS labels)
  if(NOT "display" IN_LIST labels)
    continue()
  endif()
  if("address" IN_LIST VITRINE_SANITIZE)
    set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT_MODIFICATION
                 "LD_PRELOAD=path_list_prepend:${VITRINE_MESA_DRIVER}"
                 "ASAN_OPTIONS=string_append::verify_asan_link_order=0")
  elseif("thread" IN_LIST VITRINE_SANITIZE)
    set_tests_properties(${test} PROPERTIES RUN_SERIAL TRUE)
  endif()
endforeach()

# A sanitized program runs several times slower (ThreadSanitizer most): the
# time limits of functional checks are stretched by this factor (support.hpp,
# slowdown()), never in a plain build, where they stay as written.
if("thread" IN_LIST VITRINE_SANITIZE)
  set(vitrine_slowdown 4)
elseif(VITRINE_SANITIZE)
  set(vitrine_slowdown 2)
endif()
if(vitrine_slowdown)
  foreach(test ${vitrine_all_tests})
    set_property(TEST ${test} APPEND PROPERTY ENVIRONMENT "VITRINE_TEST_SLOWDOWN=${vitrine_slowdown}")
  endforeach()
endif()
