// SPDX-License-Identifier: BSL-1.0
// The smallest protected service. Run `quickstart [port]`, then the curl.
#include <clearance/jwt.hpp>
#include <clearance/server.hpp>
#include <clearance/service.hpp>

#include <iostream>
#include <map>
#include <string>

using notes_read = clearance::permission<"notes:read">;
using notes_write = clearance::permission<"notes:write">;
struct reader : clearance::role<"reader", clearance::grants<notes_read>> {};
struct writer : clearance::role<"writer", clearance::grants<notes_write>,
                                clearance::inherits<reader>> {};
using policy = clearance::policy<clearance::roles<reader, writer>>;

struct note {
    using key_type = std::int64_t;
    std::string owner, text;
};
struct is_owner { // the ownership rule: only the owner sees a note
    bool operator()(clearance::principal const& who, note const& n) const {
        return n.owner == who.subject;
    }
};
clearance::response reply(std::string body) {
    return {boost::beast::http::status::ok, 11, std::move(body) + "\n"};
}

int main(int argc, char** argv) {
    std::map<std::int64_t, note> notes{{1, {"alice", "hi"}}, {2, {"bob", ""}}};
    clearance::jwt_options jwt;
    jwt.secret = "quickstart-development-key-never-use-in-production";
    auto service = clearance::make_service<policy>(
        clearance::service_options{}, clearance::jwt_authenticator<policy>{jwt},
        clearance::loaders(clearance::load<note>(
            [&](std::int64_t id, clearance::request_context const&) {
                auto it = notes.find(id); // no such note: 404
                return it == notes.end() ? std::nullopt
                                         : std::optional{it->second};
            })),
        clearance::get<"/health">(
            [](clearance::public_route) { return reply("ok"); }),
        clearance::post<"/notes">([](clearance::granted<notes_write> who) {
            return reply("created by " + who.principal().subject);
        }),
        clearance::get<"/notes/{id}">( // someone else's note: 404 too
            [](clearance::granted<notes_read>,
               clearance::owned<note, is_owner> n) { return reply(n->text); }));
    auto token = service.authenticator().issue({"alice", "", {"reader"}, ""},
                                               std::chrono::hours{1});
    clearance::server_options options;
    options.port = argc > 1 ? std::stoi(argv[1]) : 8080;
    clearance::server server(std::move(service), options);
    std::cout << "curl -i -H 'Authorization: Bearer " << token
              << "' localhost:" << server.port() << "/notes/1" << std::endl;
    server.run(); // until Ctrl-C
}
