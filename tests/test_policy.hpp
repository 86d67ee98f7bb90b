// SPDX-License-Identifier: BSL-1.0
#pragma once

// A small policy shared by the unit tests: a chain of three roles, an
// unrelated auditor role, and two scopes.

#include <clearance/policy.hpp>

namespace test_policy {

using can_read = clearance::permission<"read">;
using can_write = clearance::permission<"write">;
using can_remove = clearance::permission<"remove">;
using can_manage = clearance::permission<"manage">;
using can_audit = clearance::permission<"audit">;

using read_scope = clearance::scope<"api.read">;
using write_scope = clearance::scope<"api.write">;

struct reader : clearance::role<"reader", clearance::grants<can_read>> {};
struct writer : clearance::role<"writer", clearance::grants<can_write>,
                                clearance::inherits<reader>> {};
struct owner
    : clearance::role<"owner", clearance::grants<can_remove, can_manage>,
                      clearance::inherits<writer>> {};
struct auditor
    : clearance::role<"auditor", clearance::grants<can_audit, can_read>> {};

using policy =
    clearance::policy<clearance::roles<reader, writer, owner, auditor>,
                      clearance::scopes<read_scope, write_scope>>;

} // namespace test_policy
