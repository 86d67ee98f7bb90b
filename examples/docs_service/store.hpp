// SPDX-License-Identifier: BSL-1.0
#pragma once

// The embedded store of the example documents service: users, their
// roles and their documents in one SQLite database. It knows nothing of
// HTTP or of clearance; the service's resource loaders call it after the
// guard has decided who is asking, so every query here is a plain lookup
// and access decisions stay in the policy.

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// Declared rather than included so that users of the store do not see the
// whole SQLite API.
struct sqlite3;

namespace docs_service {

/// A document as stored. Ownership is recorded by user name and tenant,
/// the two facts the ownership rules of the service compare.
struct document {
    std::int64_t id = 0;
    /// The name of the user who owns the document.
    std::string owner;
    std::string tenant;
    std::string title;
    std::string body;

    friend bool operator==(document const&, document const&) = default;
};

/// A user of the service and the roles granted to it.
struct user {
    std::int64_t id = 0;
    /// The unique login name.
    std::string name;
    std::string tenant;
    /// Role names in alphabetical order, so that equal users compare equal.
    std::vector<std::string> roles;

    friend bool operator==(user const&, user const&) = default;
};

/// A thread-safe handle to the service's database.
///
/// All members may be called concurrently: they share one connection and
/// take turns on an internal mutex. A failing SQLite call throws
/// `std::runtime_error` carrying SQLite's message.
///
/// Identifiers are never reused: a deleted document's id cannot come back
/// as somebody else's document, so a stale link cannot reach new data.
class store {
public:
    /// Opens the database at `path`, creating the file and the schema if
    /// they are missing, and seeds it when it has no users. `":memory:"`
    /// gives a private in-memory database.
    ///
    /// Throws `std::runtime_error` naming `path` and SQLite's error text if
    /// the file cannot be opened, is not a database, or cannot be
    /// initialised.
    explicit store(std::string const& path);

    /// Closes the connection.
    ~store();

    store(store const&) = delete;
    store& operator=(store const&) = delete;

    /// The document with `id`, or nothing if there is none.
    std::optional<document> find_document(std::int64_t id) const;

    /// The documents matching an SQL `condition` with `?` placeholders,
    /// bound in order to `parameters`, ordered by id. The condition must
    /// come from code (such as a clearance collection filter), never
    /// from a request.
    std::vector<document>
    documents_where(std::string_view condition,
                    std::vector<std::string> const& parameters) const;

    /// The documents `owner` owns within `tenant`, ordered by id.
    std::vector<document> documents_owned_by(std::string_view owner,
                                             std::string_view tenant) const;

    /// Every document of `tenant`, ordered by id.
    std::vector<document> documents_in_tenant(std::string_view tenant) const;

    /// Stores a new document and returns it with its new id.
    document create_document(std::string_view owner, std::string_view tenant,
                             std::string_view title, std::string_view body);

    /// Replaces the title and body of document `id`. Returns false if
    /// there is no such document.
    bool update_document(std::int64_t id, std::string_view title,
                         std::string_view body);

    /// Deletes document `id`. Returns false if there is no such document.
    bool delete_document(std::int64_t id);

    /// The users of `tenant`, ordered by id.
    std::vector<user> users_in_tenant(std::string_view tenant) const;

    /// Every user, ordered by id.
    std::vector<user> all_users() const;

    /// The user called `name`, or nothing if there is none.
    std::optional<user> find_user(std::string_view name) const;

    /// The user with `id`, or nothing if there is none.
    std::optional<user> find_user(std::int64_t id) const;

    /// Deletes user `id` and its roles. Returns false if there is no such
    /// user. The user's documents are kept: they belong to the tenant as
    /// much as to their author, and deciding their fate is the service's
    /// business, not the store's.
    bool delete_user(std::int64_t id);

private:
    struct connection_closer {
        void operator()(sqlite3* connection) const noexcept;
    };

    std::unique_ptr<sqlite3, connection_closer> connection_;
    // SQLite's serialised mode keeps the connection itself safe, but the
    // error message and the count of changed rows belong to the
    // connection, not to a statement: reading them after a statement must
    // not interleave with another thread's statement.
    mutable std::mutex mutex_;
};

} // namespace docs_service
