// SPDX-License-Identifier: BSL-1.0
#pragma once

// The rows every new store starts with, whichever database holds it.

#include <array>
#include <cstdint>
#include <string_view>

namespace docs_service::seed {

struct seed_user {
    std::int64_t id;
    std::string_view name;
    std::string_view tenant;
    std::string_view role;
};

// Other tests of the service address these rows by id.
inline constexpr std::array users{
    seed_user{1, "alice", "acme", "editor"},
    seed_user{2, "bob", "acme", "viewer"},
    seed_user{3, "root", "acme", "admin"},
    seed_user{4, "eve", "globex", "editor"},
};

struct seed_document {
    std::int64_t id;
    std::string_view owner;
    std::string_view tenant;
    std::string_view title;
    std::string_view body;
};

inline constexpr std::array documents{
    seed_document{1, "alice", "acme", "Alice's plan",
                  "Ship the first release."},
    seed_document{2, "bob", "acme", "Bob's notes", "Remember the milk."},
    seed_document{3, "eve", "globex", "Eve's secret",
                  "Globex quarterly numbers."},
};

} // namespace docs_service::seed
