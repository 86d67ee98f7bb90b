// SPDX-License-Identifier: BSL-1.0
#pragma once

// The documents service as a request handler: its routes, guarded by
// the policy in policy.hpp, over the store in store.hpp.

#include "store.hpp"

#include <clearance/audit.hpp>
#include <clearance/authentication.hpp>
#include <clearance/files.hpp>
#include <clearance/peer.hpp>
#include <clearance/response.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace clearance {
class jwks_file;
} // namespace clearance

namespace docs_service {

/// The key the service signs and verifies tokens with when none is
/// configured. It is public: use it for local development only.
inline constexpr std::string_view development_key =
    "clearance-docs-service-development-key-do-not-use";

/// The API key of the reporting job when none is configured. Public as
/// well: for local development only.
inline constexpr std::string_view development_report_key =
    "clearance-docs-service-reporting-key-for-development";

/// How tokens are checked after their signature: the leeway for clock
/// skew, and so how long a revoked token must stay on the list after its
/// expiry.
inline constexpr std::chrono::seconds token_leeway{30};

/// How the service is set up.
struct settings {
    /// The HS256 secret that signs and verifies tokens (at least 32
    /// bytes). Ignored when `key_file` is set.
    std::string key{};

    /// A JSON Web Key Set file, re-read when it changes, shared by every
    /// replica of the service so that keys rotate without a restart.
    std::shared_ptr<clearance::jwks_file> key_file{};

    /// The id of the HS256 key of `key_file` that issues tokens, when the
    /// file holds several keys.
    std::string issuing_key{};

    /// Where every access decision goes.
    clearance::audit_sink audit{};

    /// The reporting job's API key, sent in the `X-API-Key` header; the
    /// service keeps only its hash.
    std::string report_key{development_report_key};

    /// The reverse proxies whose `X-Forwarded-For` and `Forwarded`
    /// headers name the client (see `clearance::service_options`).
    std::vector<std::string> trusted_proxies{};

    /// The files served under /files/ to readers of documents; none by
    /// default.
    clearance::file_directory files{};
};

/// The documents service.
class application {
public:
    /// Serves `data` as `config` says. Throws `std::invalid_argument`
    /// for a key shorter than 32 bytes or a trusted proxy that is not an
    /// address.
    application(store& data, settings config);

    /// Serves `data`, verifying bearer tokens with the HS256 `key`.
    /// Throws `std::invalid_argument` for a key shorter than 32 bytes.
    /// The reporting job authenticates with `report_key` in the
    /// `X-API-Key` header; the service keeps only its hash. The files
    /// of `files` are served under /files/ to readers of documents; by
    /// default there are none.
    application(store& data, std::string key, clearance::audit_sink audit = {},
                std::string_view report_key = development_report_key,
                clearance::file_directory files = {});
    ~application();

    application(application const&) = delete;
    application& operator=(application const&) = delete;

    /// Answers one request. Safe to call from several threads.
    clearance::response operator()(clearance::request const& req,
                                   clearance::peer_address const& peer) const;

    /// Answers a request that `screen` let through, with what screening
    /// learnt in `memo`.
    clearance::response operator()(clearance::request const& req,
                                   clearance::peer_address const& peer,
                                   clearance::screening_memo& memo) const;

    /// Runs every check that needs no request body (see
    /// `clearance::service::screen`): the server calls it before it reads
    /// a body, and keeps `memo` for the answer. Safe to call from several
    /// threads.
    std::optional<clearance::response>
    screen(clearance::request const& req, clearance::peer_address const& peer,
           clearance::screening_memo& memo) const;

    /// A bearer token for the user named `name`, valid for `lifetime`,
    /// or nothing if there is no such user.
    std::optional<std::string>
    token_for(std::string_view name,
              std::chrono::seconds lifetime = std::chrono::hours{12},
              std::string scope = {}) const;

    /// The access matrix of the service's routes, by role: `format` is
    /// "markdown" or "json" (schema "clearance.access-matrix/1"). Throws
    /// `std::invalid_argument` for any other format.
    static std::string matrix(std::string_view format);

    /// An OpenAPI 3.1.0 description of the service, as JSON.
    static std::string openapi();

private:
    struct impl;
    std::unique_ptr<impl> impl_;
};

/// An `application` as a `clearance::server` handler: each request is
/// screened before its body is read, and the token verified then is kept
/// for the answer.
struct server_handler {
    application const* app;

    using screening_memo = clearance::screening_memo;

    clearance::response operator()(clearance::request&& req,
                                   clearance::peer_address const& peer) const {
        return (*app)(req, peer);
    }

    clearance::response operator()(clearance::request&& req,
                                   clearance::peer_address const& peer,
                                   screening_memo& memo) const {
        return (*app)(req, peer, memo);
    }

    std::optional<clearance::response>
    screen(clearance::request const& req,
           clearance::peer_address const& peer) const {
        screening_memo memo;
        return app->screen(req, peer, memo);
    }

    std::optional<clearance::response>
    screen(clearance::request const& req, clearance::peer_address const& peer,
           screening_memo& memo) const {
        return app->screen(req, peer, memo);
    }
};

} // namespace docs_service
