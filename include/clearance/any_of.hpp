// SPDX-License-Identifier: BSL-1.0
#pragma once

// Several authenticators as one: `clearance::any_of(jwt, api_keys)`
// accepts a request that any of them accepts. Every one is asked, in
// order. A request that any of them finds malformed (a token in the
// query, a bearer token that is not b64token syntax, two API key
// headers) is `malformed`, even if another authenticates it: a client
// that sends a valid API key beside a malformed token gets the 400 that
// tells it so, not an answer that depends on the order of the
// alternatives. Otherwise the first that authenticates the request
// wins; failing that, `invalid` if any refused its credentials, else
// `none`. A refusal keeps the description of the first authenticator
// that gave it.
//
// A route accepts every kind combined here, unless it names the kinds it
// accepts with `clearance::accepts<...>`: then only the alternatives of
// those kinds are asked.

#include <clearance/authentication.hpp>
#include <clearance/detail/type_list.hpp>
#include <clearance/response.hpp>

#include <cstddef>
#include <optional>
#include <tuple>
#include <type_traits>
#include <utility>

namespace clearance {

/// An authenticator that tries `Alternatives` in order; see `any_of`.
/// It is as safe to call from several threads as its alternatives are.
template <Authenticator... Alternatives>
requires(sizeof...(Alternatives) > 0) class any_of_authenticator {
public:
    /// Holds the alternatives, to be tried in this order.
    explicit any_of_authenticator(Alternatives... alternatives)
        : alternatives_(std::move(alternatives)...) {}

    /// The kinds of credentials the alternatives read, in order.
    using credential_kinds =
        detail::type_list<credential_kind_t<Alternatives>...>;

    /// `malformed` if any alternative said so; else the first success;
    /// else `invalid` if any said so; else `none`.
    authentication authenticate(request const& r) const {
        return first_of(r, [](auto const&) { return true; });
    }

    /// As `authenticate`, asking only the alternatives whose credential
    /// kind (`credential_kind_t`) is one of `Kinds`: what a route that
    /// declares `clearance::accepts<Kinds...>` is authenticated with.
    template <class... Kinds>
    authentication authenticate_only(request const& r) const {
        return first_of(r, []<class A>(A const&) {
            return (std::is_same_v<credential_kind_t<A>, Kinds> || ...);
        });
    }

    /// The alternative at position `I`, for tools that mint credentials
    /// (such as `jwt_authenticator::issue`).
    template <std::size_t I>
    auto const& alternative() const noexcept {
        return std::get<I>(alternatives_);
    }

private:
    template <class Asked>
    authentication first_of(request const& r, Asked asked) const {
        std::optional<authentication> success, malformed, invalid;
        auto attempt = [&](auto const& alternative) {
            if (!asked(alternative))
                return;
            auto result = alternative.authenticate(r);
            switch (result.result) {
            case authentication::outcome::authenticated:
                if (!success)
                    success = std::move(result);
                break;
            case authentication::outcome::malformed:
                if (!malformed)
                    malformed = std::move(result);
                break;
            case authentication::outcome::invalid:
                if (!invalid)
                    invalid = std::move(result);
                break;
            case authentication::outcome::none:
                break;
            }
        };
        std::apply([&](auto const&... each) { (attempt(each), ...); },
                   alternatives_);
        if (malformed)
            return std::move(*malformed);
        if (success)
            return std::move(*success);
        if (invalid)
            return std::move(*invalid);
        return authentication::none();
    }

    std::tuple<Alternatives...> alternatives_;
};

/// Combines authenticators into one that accepts what any of them
/// accepts, asking them in the order given: `clearance::any_of(
/// clearance::jwt_authenticator<policy>{jwt},
/// clearance::api_key_authenticator<policy>{keys})`.
template <Authenticator... Alternatives>
requires(sizeof...(Alternatives) > 0)
    any_of_authenticator<Alternatives...> any_of(Alternatives... alternatives) {
    return any_of_authenticator<Alternatives...>{std::move(alternatives)...};
}

} // namespace clearance
