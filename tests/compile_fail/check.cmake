# SPDX-License-Identifier: BSL-1.0
# Compiles SOURCE with COMPILER and FLAGS and checks the outcome.
#
#   MODE=twin     the program, without CLEARANCE_TEST_BROKEN, must compile;
#   MODE=broken   with -DCLEARANCE_TEST_BROKEN=${VARIANT} it must fail. The
#                 first error line must contain the text of the source's
#                 "// expect-message:" line, and the output must name the
#                 rule of its "// expect-rule:" line (and, with g++, the
#                 text of any "// expect-name:" line);
#   MODE=harness  check a program that compiles as if it were broken, and
#                 succeed only if that check reports the failure.

function(compile definitions out_result out_text)
    execute_process(
        COMMAND ${COMPILER} ${FLAGS} ${definitions} ${SOURCE}
        RESULT_VARIABLE result
        OUTPUT_VARIABLE output
        ERROR_VARIABLE output)
    set(${out_result} ${result} PARENT_SCOPE)
    set(${out_text} "${output}" PARENT_SCOPE)
endfunction()

function(expectation key out)
    file(STRINGS ${SOURCE} lines REGEX "^// ${key}: ")
    set(values)
    foreach(line IN LISTS lines)
        string(REGEX REPLACE "^// ${key}: " "" value "${line}")
        list(APPEND values "${value}")
    endforeach()
    set(${out} "${values}" PARENT_SCOPE)
endfunction()

# Sets out_problem to what is wrong with the broken build, or to "".
function(check_broken out_problem)
    compile(-DCLEARANCE_TEST_BROKEN=${VARIANT} result output)
    if(result EQUAL 0)
        set(${out_problem} "the program compiled but must not" PARENT_SCOPE)
        return()
    endif()
    string(REGEX MATCH "[^\n]*error[^\n]*" first_error "${output}")
    expectation(expect-message message)
    expectation(expect-rule rule)
    expectation(expect-name names)
    if(NOT message OR NOT rule)
        set(${out_problem} "the source has no expect-message or expect-rule"
            PARENT_SCOPE)
        return()
    endif()
    string(FIND "${first_error}" "${message}" at)
    if(at EQUAL -1)
        set(${out_problem} "the first error is not the expected one.\n"
            "expected: ${message}\nfirst error: ${first_error}\n"
            "full output:\n${output}" PARENT_SCOPE)
        return()
    endif()
    # clang++ prints names inside types as character codes, so names are
    # checked in g++'s output only.
    if(NOT COMPILER_ID STREQUAL "GNU")
        set(names)
    endif()
    foreach(text IN LISTS rule names)
        string(FIND "${output}" "${text}" at)
        if(at EQUAL -1)
            set(${out_problem} "the diagnostics do not name '${text}':\n"
                "${output}" PARENT_SCOPE)
            return()
        endif()
    endforeach()
    set(${out_problem} "" PARENT_SCOPE)
endfunction()

if(MODE STREQUAL "twin")
    compile("" result output)
    if(NOT result EQUAL 0)
        message(FATAL_ERROR "the corrected program must compile:\n${output}")
    endif()
elseif(MODE STREQUAL "broken")
    check_broken(problem)
    if(problem)
        message(FATAL_ERROR "${problem}")
    endif()
elseif(MODE STREQUAL "harness")
    check_broken(problem)
    if(NOT problem STREQUAL "the program compiled but must not")
        message(FATAL_ERROR
            "the harness did not notice a program that compiles: "
            "'${problem}'")
    endif()
else()
    message(FATAL_ERROR "unknown MODE '${MODE}'")
endif()
