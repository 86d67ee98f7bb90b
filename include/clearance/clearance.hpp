// SPDX-License-Identifier: BSL-1.0
#pragma once

// The policy model and the guard pipeline, free of networking code.
// The server adapter (<clearance/server.hpp>, Boost.Asio) and the JWT
// authenticator (<clearance/jwt.hpp>, cpp-jwt and OpenSSL) are included
// separately because they bring dependencies of their own.

#include <clearance/audit.hpp>
#include <clearance/authentication.hpp>
#include <clearance/context.hpp>
#include <clearance/files.hpp>
#include <clearance/guard.hpp>
#include <clearance/loader.hpp>
#include <clearance/matrix.hpp>
#include <clearance/network.hpp>
#include <clearance/openapi.hpp>
#include <clearance/peer.hpp>
#include <clearance/policy.hpp>
#include <clearance/principal.hpp>
#include <clearance/requirements.hpp>
#include <clearance/response.hpp>
#include <clearance/route.hpp>
#include <clearance/rules.hpp>
#include <clearance/service.hpp>
#include <clearance/target.hpp>
#include <clearance/version.hpp>
