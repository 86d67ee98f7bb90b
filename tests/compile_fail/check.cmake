# SPDX-License-Identifier: BSL-1.0
# Compiles SOURCE with COMPILER and FLAGS and checks the outcome against
# EXPECT:
#   COMPILE        the program must compile;
#   FAIL:<text>    it must fail, and the diagnostics must contain <text>;
#   HARNESS        run as FAIL on a program that compiles, and succeed
#                  only if that check reports the failure it should.

function(compile out_result out_text)
    execute_process(
        COMMAND ${COMPILER} ${FLAGS} ${SOURCE}
        RESULT_VARIABLE result
        OUTPUT_VARIABLE output
        ERROR_VARIABLE output)
    set(${out_result} ${result} PARENT_SCOPE)
    set(${out_text} "${output}" PARENT_SCOPE)
endfunction()

function(expect_failure text out_problem)
    compile(result output)
    if(result EQUAL 0)
        set(${out_problem} "the program compiled but must not" PARENT_SCOPE)
        return()
    endif()
    string(FIND "${output}" "${text}" at)
    if(at EQUAL -1)
        set(${out_problem}
            "the diagnostics lack \"${text}\":\n${output}" PARENT_SCOPE)
        return()
    endif()
    set(${out_problem} "" PARENT_SCOPE)
endfunction()

if(EXPECT STREQUAL "COMPILE")
    compile(result output)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "the program must compile:\n${output}")
    endif()
elseif(EXPECT MATCHES "^FAIL:(.*)$")
    expect_failure("${CMAKE_MATCH_1}" problem)
    if(problem)
        message(FATAL_ERROR "${problem}")
    endif()
    # Show the first lines the user would see.
    compile(result output)
    string(SUBSTRING "${output}" 0 600 head)
    message(STATUS "first diagnostics:\n${head}")
elseif(EXPECT STREQUAL "HARNESS")
    expect_failure("anything" problem)
    if(NOT problem STREQUAL "the program compiled but must not")
        message(FATAL_ERROR "the harness did not notice a program that "
                            "compiles: '${problem}'")
    endif()
else()
    message(FATAL_ERROR "unknown expectation '${EXPECT}'")
endif()
