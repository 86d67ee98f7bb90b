// SPDX-License-Identifier: BSL-1.0
#pragma once

// Who is asking: the result of authentication. A principal holds the
// subject and tenant it was issued for and three bit sets: its roles as
// granted by the credential, its effective permissions (the union of
// those roles' inheritance closures, computed once when the principal
// is made) and its OAuth scopes. Access decisions read only the bits.

#include <clearance/detail/bitmask.hpp>

#include <chrono>
#include <string>

/// The largest number of roles a policy may declare.
#ifndef CLEARANCE_MAX_ROLES
#define CLEARANCE_MAX_ROLES 512
#endif

/// The largest number of distinct permissions a policy may grant.
#ifndef CLEARANCE_MAX_PERMISSIONS
#define CLEARANCE_MAX_PERMISSIONS 512
#endif

/// The largest number of OAuth scopes a policy may declare.
#ifndef CLEARANCE_MAX_SCOPES
#define CLEARANCE_MAX_SCOPES 64
#endif

namespace clearance {

/// A set of roles, one bit per role of the policy.
using role_set = detail::bitmask<CLEARANCE_MAX_ROLES>;

/// A set of permissions, one bit per permission of the policy.
using permission_set = detail::bitmask<CLEARANCE_MAX_PERMISSIONS>;

/// A set of scopes, one bit per scope of the policy.
using scope_set = detail::bitmask<CLEARANCE_MAX_SCOPES>;

/// An authenticated caller. Set its `roles`, then call
/// `Policy::compute_permissions`, which fills `permissions` from them;
/// the fields are public so that ownership rules and handlers can read
/// them.
struct principal {
    /// The identity the credential was issued for (the JWT `sub`).
    std::string subject;

    /// The tenant the principal belongs to; empty when the application
    /// has a single tenant.
    std::string tenant;

    /// The roles the credential grants directly.
    role_set roles;

    /// Every permission those roles hold, inheritance included.
    permission_set permissions;

    /// The OAuth scopes the credential carries.
    scope_set scopes;

    /// The credential's own id, when it has one (the JWT `jti`): what a
    /// revocation list names.
    std::string token_id;

    /// When the credential expires (the JWT `exp`); the epoch for a
    /// credential that does not. An expiry beyond the clock's range less
    /// a year (the year 2261 with a nanosecond clock) is recorded as
    /// that time, so that adding a grace period to it cannot overflow.
    std::chrono::system_clock::time_point expires{};
};

} // namespace clearance
