// SPDX-License-Identifier: BSL-1.0
#pragma once

// Revoked credentials: `clearance::refuse_revoked(authenticator,
// is_revoked)` is an authenticator that refuses a principal whom the
// user's predicate says is revoked, for instance because its token id
// (`principal::token_id`, the JWT `jti`) is on a revocation list kept
// in a shared database. Logging out then takes effect before the token
// expires, on every replica that asks the same list.
//
// The predicate is asked only after the wrapped authenticator has
// accepted the credentials, so a forged token never reaches the list.
// It keeps no state of its own here: how fresh its answer is (a query
// per request, or a cache refreshed every few seconds) is the bound
// within which a revocation takes effect, and the application's to
// choose and document.

#include <clearance/authentication.hpp>
#include <clearance/principal.hpp>
#include <clearance/response.hpp>

#include <concepts>
#include <string_view>
#include <utility>

namespace clearance {

/// The descriptions a `revocation_checked` authenticator adds.
namespace revocation_refusal {
/// The predicate says the principal's credential is revoked.
inline constexpr std::string_view revoked = "the token has been revoked";
/// The predicate threw, so the credential could not be checked; it is
/// refused rather than let through.
inline constexpr std::string_view unavailable =
    "the token revocation could not be checked";
} // namespace revocation_refusal

namespace detail {

// Forwards the wrapped authenticator's `credential_kind`, when it names
// one, so that the wrapper stands for the same kind of credential.
template <class Inner>
struct credential_kind_of {};

template <class Inner>
requires requires {
    typename Inner::credential_kind;
}
struct credential_kind_of<Inner> {
    using credential_kind = typename Inner::credential_kind;
};

} // namespace detail

/// An authenticator that asks `Inner`, then refuses a principal for
/// which `IsRevoked` returns true; see `refuse_revoked`. It is as safe
/// to call from several threads as `Inner` and `IsRevoked` are.
template <Authenticator Inner, class IsRevoked>
requires std::predicate<IsRevoked const&, principal const&>
class revocation_checked : public detail::credential_kind_of<Inner> {
public:
    /// Wraps `inner`, asking `is_revoked` about each principal it
    /// accepts.
    revocation_checked(Inner inner, IsRevoked is_revoked)
        : inner_(std::move(inner))
        , is_revoked_(std::move(is_revoked)) {}

    /// `Inner`'s answer, except that an accepted principal the predicate
    /// calls revoked is `invalid` ("the token has been revoked"), and
    /// one the predicate fails on (it throws) is `invalid` as well ("the
    /// token revocation could not be checked").
    authentication authenticate(request const& r) const {
        auto result = inner_.authenticate(r);
        if (result.result != authentication::outcome::authenticated)
            return result;
        try {
            if (is_revoked_(std::as_const(result.who)))
                return authentication::invalid(revocation_refusal::revoked);
        } catch (...) {
            return authentication::invalid(revocation_refusal::unavailable);
        }
        return result;
    }

    /// The wrapped authenticator, for tools that mint credentials (such
    /// as `jwt_authenticator::issue`).
    Inner const& inner() const noexcept { return inner_; }

private:
    Inner inner_;
    IsRevoked is_revoked_;
};

/// Refuses the credentials `inner` accepts when `is_revoked(principal)`
/// is true: `clearance::refuse_revoked(jwt_authenticator<policy>{jwt},
/// [&](clearance::principal const& who) { return
/// list.contains(who.token_id); })`. The answer for a revoked token is
/// 401 with `error="invalid_token"`, like any refused token.
template <Authenticator Inner, class IsRevoked>
requires std::predicate<IsRevoked const&, principal const&>
    revocation_checked<Inner, IsRevoked> refuse_revoked(Inner inner,
                                                        IsRevoked is_revoked) {
    return {std::move(inner), std::move(is_revoked)};
}

} // namespace clearance
