// SPDX-License-Identifier: BSL-1.0
#pragma once

// The documents service as a request handler: its routes, guarded by
// the policy in policy.hpp, over the store in store.hpp.

#include "store.hpp"

#include <clearance/audit.hpp>
#include <clearance/files.hpp>
#include <clearance/peer.hpp>
#include <clearance/response.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace docs_service {

/// The key the service signs and verifies tokens with when none is
/// configured. It is public: use it for local development only.
inline constexpr std::string_view development_key =
    "clearance-docs-service-development-key-do-not-use";

/// The API key of the reporting job when none is configured. Public as
/// well: for local development only.
inline constexpr std::string_view development_report_key =
    "clearance-docs-service-reporting-key-for-development";

/// The documents service.
class application {
public:
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

    /// Runs every check that needs no request body (see
    /// `clearance::service::screen`): the server calls it before it reads
    /// a body. Safe to call from several threads.
    std::optional<clearance::response>
    screen(clearance::request const& req,
           clearance::peer_address const& peer) const;

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

} // namespace docs_service
