// SPDX-License-Identifier: BSL-1.0
// A program that compiles, whatever CLEARANCE_TEST_BROKEN says. The
// harness is asked to treat it as broken and must report that it
// compiled.
// expect-rule: anything
// expect-message: anything
int main() {}
