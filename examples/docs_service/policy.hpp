// SPDX-License-Identifier: BSL-1.0
#pragma once

// The access policy of the documents service, as types. Reading this
// file tells a reviewer everything about who may do what.

#include "store.hpp"

#include <clearance/policy.hpp>
#include <clearance/principal.hpp>
#include <clearance/requirements.hpp>

#include <cstdint>

namespace docs_service {

using docs_read = clearance::permission<"docs:read">;
using docs_write = clearance::permission<"docs:write">;
using docs_delete = clearance::permission<"docs:delete">;
using users_manage = clearance::permission<"users:manage">;

struct viewer : clearance::role<"viewer", clearance::grants<docs_read>> {};

struct editor : clearance::role<"editor", clearance::grants<docs_write>,
                                clearance::inherits<viewer>> {};

struct admin
    : clearance::role<"admin", clearance::grants<users_manage, docs_delete>,
                      clearance::inherits<editor>> {};

/// Granted to API clients such as the nightly reporting job.
using reports_read = clearance::scope<"reports:read">;

using policy = clearance::policy<clearance::roles<viewer, editor, admin>,
                                 clearance::scopes<reports_read>>;

/// A document may be used by the user who owns it.
struct is_owner {
    bool operator()(clearance::principal const& who,
                    document const& doc) const {
        return doc.owner == who.subject;
    }

    /// The same rule for list queries over the documents table.
    static clearance::row_filter where(clearance::principal const& who) {
        return {"owner = ?", {who.subject}};
    }
};

// The policy's promises, checked by the compiler.
static_assert(policy::role_holds<editor, docs_read>);
static_assert(policy::role_holds<admin, docs_write>);
static_assert(!policy::role_holds<viewer, docs_write>);
static_assert(!policy::role_holds<editor, users_manage>);

} // namespace docs_service

// Documents and users are found by their integer id.
template <>
struct clearance::resource_traits<docs_service::document> {
    using key_type = std::int64_t;
};
template <>
struct clearance::resource_traits<docs_service::user> {
    using key_type = std::int64_t;
};
