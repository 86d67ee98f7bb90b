// SPDX-License-Identifier: BSL-1.0
// A program that compiles. The harness is asked to expect a failure here
// and must report that it did not get one.
int main() {}
