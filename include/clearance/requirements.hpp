// SPDX-License-Identifier: BSL-1.0
#pragma once

// What a route needs, written as the types of its handler's parameters.
// The library reads the handler's signature at compile time and builds
// the guard that must pass before the handler runs:
//
//   response get_document(clearance::granted<docs_read>,
//                         clearance::owned<document, is_owner,
//                                          clearance::bypass<admin>> doc);
//
// Every parameter type here that carries access (public_route,
// authenticated, granted, scoped, owned) is a proof: none has a public
// constructor, so a handler can only receive one from the guard, and a
// route whose handler takes none of them does not compile.

#include <clearance/context.hpp>
#include <clearance/detail/access.hpp>
#include <clearance/detail/fixed_string.hpp>
#include <clearance/detail/type_list.hpp>
#include <clearance/policy.hpp>
#include <clearance/principal.hpp>

#include <concepts>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

namespace clearance {

/// Marks a route as reachable by anyone, without credentials. A route
/// must say this explicitly: no marker at all does not compile.
class public_route {
    friend class detail::access;
    public_route() = default;
};

/// Hides the route from principals who may not call it: for them, and
/// for requests without valid credentials, the route does not exist.
/// Every method on its path is answered with the same 404 as an unknown
/// path, so neither 401, 403 nor 405 with `Allow` tells them it is
/// there. Combine it with the route's requirements, such as
/// `granted<users_manage>`; a public route cannot be hidden.
class hidden {
    friend class detail::access;
    hidden() = default;
};

/// Restricts the credentials a route accepts to the kinds `Kinds`, such
/// as `clearance::api_keys` or `clearance::bearer_tokens` (see
/// `clearance::credential_kind_t`). When the service's authenticator
/// combines several with `clearance::any_of`, only those of these kinds
/// are asked on this route: a caller presenting another kind is answered
/// as one that sent no credentials. Combine it with the route's
/// requirements; the service checks at compile time that its
/// authenticator reads every kind named:
///
///   response run_report(clearance::accepts<clearance::api_keys>,
///                       clearance::scoped<reports_read> caller);
template <class... Kinds>
class accepts {
    static_assert(sizeof...(Kinds) > 0,
                  "clearance: accepts<> needs at least one kind of "
                  "credentials, such as clearance::api_keys");

public:
    /// The kinds of credentials accepted.
    using kinds = detail::type_list<Kinds...>;

private:
    friend class detail::access;
    accepts() = default;
};

/// Requires a successfully authenticated principal, with no particular
/// permission.
class authenticated {
public:
    /// The principal the request authenticated as.
    clearance::principal const& principal() const noexcept { return *who_; }

private:
    friend class detail::access;
    explicit authenticated(clearance::principal const& who) noexcept
        : who_(&who) {}
    clearance::principal const* who_;
};

/// Requires every permission of `Permissions`. A handler that receives
/// one knows the principal holds them all.
template <Permission... Permissions>
class granted {
    static_assert(sizeof...(Permissions) > 0,
                  "clearance: granted<> needs at least one permission; "
                  "use clearance::authenticated to require only a "
                  "signed-in principal");

public:
    /// The principal that holds the permissions.
    clearance::principal const& principal() const noexcept { return *who_; }

private:
    friend class detail::access;
    explicit granted(clearance::principal const& who) noexcept
        : who_(&who) {}
    clearance::principal const* who_;
};

/// Requires every OAuth scope of `Scopes` in the credential.
template <Scope... Scopes>
class scoped {
    static_assert(sizeof...(Scopes) > 0,
                  "clearance: scoped<> needs at least one scope");

public:
    clearance::principal const& principal() const noexcept { return *who_; }

private:
    friend class detail::access;
    explicit scoped(clearance::principal const& who) noexcept
        : who_(&who) {}
    clearance::principal const* who_;
};

/// A path parameter named `Name` in the route's template, converted to
/// `T`. Integers and `std::string` are supported; a segment that does
/// not convert is answered 400.
template <detail::fixed_string Name, class T = std::string>
class path {
    static_assert(std::is_same_v<T, std::string> ||
                      (std::is_integral_v<T> && !std::is_same_v<T, bool>),
                  "clearance: a path parameter is an integer type or "
                  "std::string");

public:
    static constexpr auto fixed_name = Name;
    using value_type = T;

    T const& value() const noexcept { return value_; }
    T const& operator*() const noexcept { return value_; }
    T const* operator->() const noexcept { return &value_; }

private:
    friend class detail::access;
    explicit path(T value)
        : value_(std::move(value)) {}
    T value_;
};

/// Answer a refused ownership check 404, byte-identical to a genuine
/// miss, so that the caller cannot tell that the record exists.
struct conceal {};

/// Answer a refused ownership check 403.
struct reveal {};

/// Roles that pass an ownership rule without satisfying it, within the
/// principal's tenant. A role that inherits a bypass role bypasses too.
template <Role... Roles>
struct bypass {
    using list = detail::type_list<Roles...>;
};

/// Names the path parameter that identifies an owned resource; the
/// default is "id".
template <detail::fixed_string Name>
struct key {
    static constexpr auto fixed_name = Name;
};

/// How to find an owned resource's key type: `Resource::key_type` by
/// default. Specialise it for a type that has no member `key_type`.
template <class Resource>
struct resource_traits {};

template <class Resource>
requires requires {
    typename Resource::key_type;
}
struct resource_traits<Resource> {
    using key_type = typename Resource::key_type;
};

/// An ownership rule: a default-constructible predicate over the
/// principal and the loaded resource.
template <class Rule, class Resource>
concept OwnershipRule = std::default_initializable<Rule> &&
    std::predicate<Rule const&, principal const&, Resource const&>;

/// A condition for an SQL `WHERE` clause, with `?` placeholders and
/// the values to bind to them, in order. Built by the library from an
/// ownership rule, so that a list query returns only what the rule
/// allows.
struct row_filter {
    std::string sql;
    std::vector<std::string> parameters;

    /// Equal when the condition and its values are.
    friend bool operator==(row_filter const&, row_filter const&) = default;
};

/// Built-in rule: the resource belongs to the principal's tenant. Use
/// it for records that anyone of the tenant with the route's
/// permissions may act on.
struct same_tenant {
    template <class Resource>
    bool operator()(principal const& who, Resource const& r) const {
        return std::string_view{r.tenant} == who.tenant;
    }

    /// Nothing beyond the tenant condition every collection has.
    static row_filter where(principal const&) { return {"1 = 1", {}}; }
};

namespace detail {

// Whether an ownership rule can filter a list query. A type of its own,
// so that the compiler's note names the rule when it cannot.
template <class Rule>
struct ownership_rule_offers_where {
    static constexpr bool satisfied = requires(principal const& p) {
        { Rule::where(p) } -> std::same_as<row_filter>;
    };
};

// What all_rules and any_rule share: every operand is evaluated, then
// the answers are joined; `where` joins the operands' filters with AND
// or OR when every operand has one.
template <bool All, class... Rules>
struct rule_combination {
    static_assert(sizeof...(Rules) > 0,
                  "clearance: all_rules<> and any_rule<> need at least one "
                  "rule");

    template <class Resource>
    requires(std::predicate<Rules const&, principal const&,
                            Resource const&>&&...) bool
    operator()(principal const& who, Resource const& r) const {
        bool const allowed[] = {static_cast<bool>(Rules{}(who, r))...};
        bool joined = All;
        for (bool each : allowed)
            joined = All ? joined && each : joined || each;
        return joined;
    }

    /// The operands' filters, "(a) AND (b)" or "(a) OR (b)", with their
    /// parameters in order.
    static row_filter where(principal const& who) requires(
        ownership_rule_offers_where<Rules>::satisfied&&...) {
        row_filter out;
        auto append = [&](row_filter part) {
            if (!out.sql.empty())
                out.sql += All ? " AND " : " OR ";
            out.sql += '(' + part.sql + ')';
            for (auto& p : part.parameters)
                out.parameters.push_back(std::move(p));
        };
        (append(Rules::where(who)), ...);
        return out;
    }
};

} // namespace detail

/// An ownership rule that allows when every one of `Rules` allows, as
/// in `owned<document, all_rules<is_owner, same_department>>`. Named
/// for what it reads as in a signature; `clearance::any_of` is already
/// the combinator of authenticators.
///
/// Every operand is evaluated, even after one has refused: the guard
/// checks a blank record when none was found, so that a concealed
/// refusal and a genuine miss do the same work, and stopping at the
/// first refusal would let the operands a record passes show in the
/// time taken. Write operands without side effects.
///
/// `where` is offered when every operand offers it: "(a) AND (b)",
/// parameters in order. Otherwise the rule still guards `owned<...>`
/// and `collection<...>::allows`, but not `collection<...>::filter`.
template <class... Rules>
struct all_rules : detail::rule_combination<true, Rules...> {};

/// An ownership rule that allows when at least one of `Rules` allows,
/// as in `owned<document, any_rule<is_owner, is_shared_with>>`. Every
/// operand is evaluated, for the reason `all_rules` gives. `where` is
/// offered when every operand offers it: "(a) OR (b)", parameters in
/// order.
template <class... Rules>
struct any_rule : detail::rule_combination<false, Rules...> {};

/// A resource loaded by its key from the path and checked against the
/// ownership rule `Rule`. `Options` may hold `conceal` (the default) or
/// `reveal`, one `bypass<Roles...>` and one `key<"name">`.
///
/// If the resource has a member `tenant`, a principal of another tenant
/// is always refused, whatever its roles.
template <class Resource, class Rule, class... Options>
class owned {
public:
    using resource_type = Resource;
    using rule_type = Rule;

    Resource const& operator*() const noexcept { return value_; }
    Resource const* operator->() const noexcept { return &value_; }
    Resource const& get() const noexcept { return value_; }

    /// The principal the ownership rule was checked against.
    clearance::principal const& principal() const noexcept { return *who_; }

private:
    friend class detail::access;
    owned(Resource value, clearance::principal const& who)
        : value_(std::move(value))
        , who_(&who) {}
    Resource value_;
    clearance::principal const* who_;
};

} // namespace clearance

namespace clearance {

/// The column that holds a resource's tenant in its table, for
/// collection filters: "tenant" unless `resource_traits<Resource>`
/// declares `tenant_column`.
template <class Resource>
constexpr std::string_view tenant_column() noexcept {
    if constexpr (requires { resource_traits<Resource>::tenant_column; })
        return resource_traits<Resource>::tenant_column;
    else
        return "tenant";
}

namespace detail {

/// Whether `Resource` has a `tenant` member, which makes its records
/// one tenant's own.
template <class Resource>
concept Tenanted = requires(Resource const& r) {
    r.tenant;
};

/// Whether a resource's tenant, if it has one, is text the guard can
/// compare with the principal's.
template <class Resource>
constexpr bool tenant_is_text() {
    if constexpr (Tenanted<Resource>)
        return requires(Resource const& r) {
            std::string_view{r.tenant};
        };
    else
        return true;
}

/// Whether a resource belongs to the principal's tenant. Resources with
/// no `tenant` member belong to every tenant; routes whose resource has
/// a `tenant` that is not text do not compile
/// (`rules::resource_tenant_is_text`).
template <class Resource>
bool same_tenant_as(principal const& who, Resource const& r) {
    if constexpr (Tenanted<Resource> && tenant_is_text<Resource>())
        return std::string_view{r.tenant} == who.tenant;
    else
        return !Tenanted<Resource>;
}

} // namespace detail

/// The records of type `Resource` the principal may see under the
/// ownership rule `Rule`, for a handler that lists them. `Options` may
/// hold one `bypass<Roles...>`: those roles see every record of their
/// tenant. A principal never sees another tenant's records.
///
/// `filter()` gives the condition for a SQL query; `allows(record)` the
/// same decision for records already in memory.
template <class Resource, class Rule, class... Options>
class collection {
public:
    using resource_type = Resource;
    using rule_type = Rule;

    /// The principal the collection is for.
    clearance::principal const& principal() const noexcept { return *who_; }

    /// Whether the principal may see `r`: same tenant, and the rule or a
    /// bypass role allows it.
    bool allows(Resource const& r) const {
        return detail::same_tenant_as(*who_, r) &&
               (bypassed_ || Rule{}(*who_, r));
    }

    /// The condition to add to a list query with `AND`, such as
    /// `tenant = ? AND (owner = ?)`. The rule must offer
    /// `static row_filter where(principal const&)`.
    row_filter filter() const {
        // The compiler's note names the rule that has no `where`.
        static_assert(
            detail::ownership_rule_offers_where<Rule>::satisfied,
            "clearance: collection<...>::filter() needs the ownership "
            "rule to offer 'static clearance::row_filter where(principal "
            "const&)' (all_rules and any_rule offer it only when every "
            "operand does); filter records in memory with allows() "
            "instead");
        row_filter out;
        out.sql = std::string(tenant_column<Resource>()) + " = ?";
        out.parameters.push_back(who_->tenant);
        if (!bypassed_) {
            auto rule = Rule::where(*who_);
            out.sql += " AND (" + rule.sql + ")";
            for (auto& p : rule.parameters)
                out.parameters.push_back(std::move(p));
        }
        return out;
    }

private:
    friend class detail::access;
    collection(clearance::principal const& who, bool bypassed) noexcept
        : who_(&who)
        , bypassed_(bypassed) {}
    clearance::principal const* who_;
    bool bypassed_;
};

} // namespace clearance
