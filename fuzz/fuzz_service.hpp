// SPDX-License-Identifier: BSL-1.0
#pragma once

// A small guarded service for the fuzz targets: every kind of route and
// refusal, with tokens that are the names of fixed principals.

#include <clearance/service.hpp>

#include <optional>
#include <string>

namespace fuzzing {

using read = clearance::permission<"read">;
using manage = clearance::permission<"manage">;
struct reader : clearance::role<"reader", clearance::grants<read>> {};
struct admin : clearance::role<"admin", clearance::grants<manage>,
                               clearance::inherits<reader>> {};
using policy = clearance::policy<clearance::roles<reader, admin>>;

struct record {
    using key_type = long;
    long id = 0;
    std::string owner;
    std::string tenant;
};

struct owns {
    bool operator()(clearance::principal const& who, record const& r) const {
        return r.owner == who.subject;
    }
};

struct names {
    clearance::authentication authenticate(clearance::request const& r) const {
        auto bearer = clearance::read_bearer(r);
        using kind = clearance::bearer_credentials::kind;
        if (bearer.state == kind::absent)
            return clearance::authentication::none();
        if (bearer.state == kind::malformed)
            return clearance::authentication::malformed();
        clearance::principal who;
        who.subject = std::string(bearer.token);
        who.tenant = "t";
        if (bearer.token == "admin")
            who.roles.set(*policy::find_role("admin"));
        else if (bearer.token == "reader")
            who.roles.set(*policy::find_role("reader"));
        else
            return clearance::authentication::invalid();
        policy::compute_permissions(who);
        return clearance::authentication::success(std::move(who));
    }
};

inline clearance::response text(std::string body) {
    clearance::response r{boost::beast::http::status::ok, 11};
    r.body() = std::move(body);
    return r;
}

inline auto make_service() {
    using namespace clearance;
    return make_service<policy>(
        service_options{"fuzz"}, names{},
        loaders(load<record>([](long id, request_context const&) {
            if (id < 1 || id > 3)
                return std::optional<record>{};
            return std::optional<record>{
                record{id, id == 1 ? "reader" : "admin", "t"}};
        })),
        get<"/">([](public_route) { return text("root"); }),
        get<"/records/{id}">([](granted<read>, owned<record, owns> r) {
            return text(std::to_string(r->id));
        }),
        put<"/records/{id}">(
            [](granted<manage>, owned<record, same_tenant, reveal> r) {
                return text(std::to_string(r->id));
            }),
        get<"/files/{name}/{part}">(
            [](authenticated, path<"name"> n, path<"part", unsigned> p) {
                return text(*n + std::to_string(*p));
            }),
        get<"/admin/{id}">([](hidden, granted<manage>, path<"id", int> id) {
            return text(std::to_string(*id));
        }));
}

} // namespace fuzzing
