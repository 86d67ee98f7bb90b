// SPDX-License-Identifier: BSL-1.0
#pragma once

// The store of the example documents service: users, their roles, their
// documents and revoked tokens, in one SQLite file or in a shared
// PostgreSQL database. It knows nothing of HTTP or of clearance; the
// service's resource loaders call it after the guard has decided who is
// asking, so every query here is a plain lookup and access decisions
// stay in the policy.

#include <chrono>
#include <cstddef>
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

/// The service's data: users, their roles, their documents, and the ids
/// of revoked tokens. Two implementations share this interface and its
/// semantics: `sqlite_store`, an embedded database in one file (the
/// default), and `postgres_store`, a PostgreSQL database that several
/// replicas of the service share. `open_store` picks one from a
/// location.
///
/// All members may be called concurrently. A failing database call
/// throws `std::runtime_error` carrying the database's message.
///
/// Identifiers are never reused: a deleted document's id cannot come back
/// as somebody else's document, so a stale link cannot reach new data.
class store {
public:
    virtual ~store() = default;

    /// The document with `id`, or nothing if there is none.
    virtual std::optional<document> find_document(std::int64_t id) const = 0;

    /// The documents matching an SQL `condition` with `?` placeholders,
    /// bound in order to `parameters`, ordered by id. The condition must
    /// come from code (such as a clearance collection filter), never
    /// from a request.
    virtual std::vector<document>
    documents_where(std::string_view condition,
                    std::vector<std::string> const& parameters) const = 0;

    /// The documents `owner` owns within `tenant`, ordered by id.
    virtual std::vector<document>
    documents_owned_by(std::string_view owner,
                       std::string_view tenant) const = 0;

    /// Every document of `tenant`, ordered by id.
    virtual std::vector<document>
    documents_in_tenant(std::string_view tenant) const = 0;

    /// Stores a new document and returns it with its new id.
    virtual document create_document(std::string_view owner,
                                     std::string_view tenant,
                                     std::string_view title,
                                     std::string_view body) = 0;

    /// Replaces the title and body of document `id`. Returns false if
    /// there is no such document.
    virtual bool update_document(std::int64_t id, std::string_view title,
                                 std::string_view body) = 0;

    /// Deletes document `id`. Returns false if there is no such document.
    virtual bool delete_document(std::int64_t id) = 0;

    /// The users of `tenant`, ordered by id.
    virtual std::vector<user>
    users_in_tenant(std::string_view tenant) const = 0;

    /// Every user, ordered by id.
    virtual std::vector<user> all_users() const = 0;

    /// The user called `name`, or nothing if there is none.
    virtual std::optional<user> find_user(std::string_view name) const = 0;

    /// The user with `id`, or nothing if there is none.
    virtual std::optional<user> find_user(std::int64_t id) const = 0;

    /// Deletes user `id` and its roles. Returns false if there is no such
    /// user. The user's documents are kept: they belong to the tenant as
    /// much as to their author, and deciding their fate is the service's
    /// business, not the store's.
    virtual bool delete_user(std::int64_t id) = 0;

    /// Records that the token `token_id` is revoked, until `keep_until`
    /// (when the token would be refused as expired anyway). Revoking a
    /// token twice is not an error. Entries whose time has passed are
    /// removed on the way.
    virtual void
    revoke_token(std::string_view token_id,
                 std::chrono::system_clock::time_point keep_until) = 0;

    /// Whether the token `token_id` has been revoked.
    virtual bool is_token_revoked(std::string_view token_id) const = 0;
};

/// The embedded store: one SQLite database file.
///
/// All members may be called concurrently: they share one connection and
/// take turns on an internal mutex.
class sqlite_store final : public store {
public:
    /// Opens the database at `path`, creating the file and the schema if
    /// they are missing, and seeds it when it has no users. `":memory:"`
    /// gives a private in-memory database.
    ///
    /// Throws `std::runtime_error` naming `path` and SQLite's error text if
    /// the file cannot be opened, is not a database, or cannot be
    /// initialised.
    explicit sqlite_store(std::string const& path);

    /// Closes the connection.
    ~sqlite_store() override;

    sqlite_store(sqlite_store const&) = delete;
    sqlite_store& operator=(sqlite_store const&) = delete;

    std::optional<document> find_document(std::int64_t id) const override;
    std::vector<document>
    documents_where(std::string_view condition,
                    std::vector<std::string> const& parameters) const override;
    std::vector<document>
    documents_owned_by(std::string_view owner,
                       std::string_view tenant) const override;
    std::vector<document>
    documents_in_tenant(std::string_view tenant) const override;
    document create_document(std::string_view owner, std::string_view tenant,
                             std::string_view title,
                             std::string_view body) override;
    bool update_document(std::int64_t id, std::string_view title,
                         std::string_view body) override;
    bool delete_document(std::int64_t id) override;
    std::vector<user> users_in_tenant(std::string_view tenant) const override;
    std::vector<user> all_users() const override;
    std::optional<user> find_user(std::string_view name) const override;
    std::optional<user> find_user(std::int64_t id) const override;
    bool delete_user(std::int64_t id) override;
    void
    revoke_token(std::string_view token_id,
                 std::chrono::system_clock::time_point keep_until) override;
    bool is_token_revoked(std::string_view token_id) const override;

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

/// Whether `location` names a PostgreSQL database: a connection URI
/// starting with "postgresql://" or "postgres://".
bool is_postgres_location(std::string_view location);

/// Opens the store at `location`: a PostgreSQL connection URI (see
/// `is_postgres_location`) gives a `postgres_store` with
/// `postgres_connections` connections, anything else is the path of an
/// SQLite file (or ":memory:"). Throws as the chosen store's constructor
/// does.
std::unique_ptr<store> open_store(std::string const& location,
                                  std::size_t postgres_connections = 4);

} // namespace docs_service
